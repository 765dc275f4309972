import { describe, expect, it } from 'vitest'
import { changes, summaryText } from '@/composables/format'
import { i18n } from '@/i18n'

describe('audit changes', () => {
  it('name each changed field and its values in the user’s language', () => {
    i18n.global.locale.value = 'zh-CN'
    const event = {
      summary: {
        status: 'in_progress',
        deadline: '2021-10-31',
        assignee_ids: [13, 14],
        progress: '已整改',
        version: 3,
      },
      before: { status: 'not_started', deadline: '2021-09-30', assignee_ids: [], progress: '' },
    }
    expect(changes(event)).toEqual([
      { field: '状态', from: '未开始', to: '整改中' },
      { field: '完成时限', from: '2021-09-30', to: '2021-10-31' },
      { field: '责任人', from: '—', to: '13、14' },
      { field: '整改进展', from: '—', to: '已整改' },
    ])
    i18n.global.locale.value = 'en'
    expect(changes(event)[0]).toMatchObject({ field: 'Status' })
    expect(changes({ summary: { title: 'x' } })).toEqual([])
    // What did not change is listed after the changes, named too.
    expect(summaryText(event)).toBe('')
    expect(summaryText({ summary: { preview: [{ ordinal: 1 }] } })).toBe('preview: {"ordinal":1}')
    expect(summaryText({ summary: { title: '强化思想武装', kind: 'immediate', version: 1 } })).toBe(
      'Title: 强化思想武装; Kind: Immediate',
    )
  })
})
