import { describe, expect, it } from 'vitest'
import { actionName, actorName, changes, dateTime, objectName, summaryText } from '@/composables/format'
import { i18n } from '@/i18n'

describe('audit changes', () => {
  it('name each changed field and its values in the user’s language, people and departments by name', () => {
    i18n.global.locale.value = 'zh-CN'
    const event = {
      action: 'measure.update',
      summary: {
        status: 'in_progress',
        deadline: '2021-10-31',
        assignee_ids: [13, 14],
        lead_department_id: 3,
        progress: '已整改',
        version: 3,
      },
      before: { status: 'not_started', deadline: '2021-09-30', assignee_ids: [], progress: '', lead_department_id: 2 },
      names: { 'user:13': '覃立明', 'user:14': '蒋芳', 'department:3': '教务处', 'department:2': '党政办公室' },
    }
    expect(changes(event)).toEqual([
      { field: '状态', from: '未开始', to: '整改中' },
      { field: '完成时限', from: '2021-09-30', to: '2021-10-31' },
      { field: '具体负责人', from: '无', to: '覃立明、蒋芳' },
      { field: '整改进展', from: '无', to: '已整改' },
      { field: '责任部门', from: '党政办公室', to: '教务处' },
    ])
    i18n.global.locale.value = 'en'
    expect(changes(event)[0]).toMatchObject({ field: 'Status' })
    expect(changes({ action: 'x', summary: { title: 'x' } })).toEqual([])
    // What did not change is listed after the changes, named too.
    expect(summaryText(event)).toBe('')
    expect(summaryText({ action: 'x', summary: { measure_ids: [{ ordinal: 1, title: '强化思想武装' }] } })).toBe(
      'Measures: {"ordinal":1,"title":"强化思想武装"}',
    )
    expect(summaryText({ action: 'x', summary: { title: '强化思想武装', kind: 'immediate', version: 1 } })).toBe(
      'Title: 强化思想武装; Kind: Immediate',
    )
    i18n.global.locale.value = 'zh-CN'
  })

  it('name sign-offs by their stage and never show raw decisions, booleans or whole digests', () => {
    i18n.global.locale.value = 'zh-CN'
    const signoff = (decision: string, stage: string) => ({
      action: 'measure.signoff',
      summary: {
        stage,
        decision,
        comment: '材料齐全',
        round: 1,
        repeat_signer: false,
        evidence_digest: 'ab'.repeat(32),
      },
    })
    expect(actionName(signoff('approve', 'approve'))).toBe('审核通过')
    expect(actionName(signoff('approve', 'sign'))).toBe('审批同意')
    expect(actionName(signoff('approve', 'verify'))).toBe('核验通过')
    expect(actionName(signoff('return', 'sign'))).toBe('退回（审批）')
    expect(actionName({ action: 'problem.closeout', summary: { decision: 'close' } })).toBe('同意销号')
    expect(actionName({ action: 'measure.lookback', summary: { result: 'rebound' } })).toBe('回头看：反弹')
    expect(actionName('evidence.create')).toBe('上传佐证材料')
    const text = summaryText(signoff('approve', 'approve'))
    expect(text).toBe('意见: 材料齐全; 提交轮次: 1; 材料指纹: ababababab…')
    expect(text).not.toMatch(/approve|false/)
  })

  it('show a piece of evidence as its file and document number', () => {
    const upload = {
      action: 'evidence.create',
      summary: {
        title: '整改通知',
        file_name: '整改通知.pdf',
        document_number: '职教党〔2021〕12号',
        sha256: 'f'.repeat(64),
      },
    }
    expect(`${actionName(upload)} ${summaryText(upload)}`).toBe('上传佐证材料 整改通知.pdf（职教党〔2021〕12号）')
  })

  it('name people with their title and objects by label and title', () => {
    expect(actorName({ action: 'x', actor: 'zhanghc', actor_name: '张红昌', actor_title: '校长' })).toBe(
      '张红昌（校长）',
    )
    expect(actorName({ action: 'x', actor: 'system' })).toBe('system')
    expect(objectName({ action: 'x', entity_type: 'measure', entity_id: 9, entity_label: '1.① 强化思想武装' })).toBe(
      '1.① 强化思想武装',
    )
    expect(objectName({ action: 'x', entity_type: 'measure', entity_id: 9 })).toBe('措施 9')
  })
})

describe('dateTime', () => {
  it('is one zero-padded format in the organisation’s time zone', () => {
    expect(dateTime('2026-12-01T18:38:00Z', 'Asia/Shanghai')).toBe('2026-12-02 02:38')
    expect(dateTime('2026-01-05T01:02:00Z', 'UTC')).toBe('2026-01-05 01:02')
    expect(dateTime(null)).toBe('')
  })
})

describe('audit summaries of other records', () => {
  it('say an import in numbers, and after a change only the act’s own words', () => {
    const imported = {
      action: 'inspection.import',
      summary: { created: { categories: 0, problems: 2, measures: 5 }, on_existing: 'skip' },
    }
    expect(summaryText(imported)).toBe('新建: 方面 0、问题 2、措施 5; 已有内容: 跳过已有')
    const progress = {
      action: 'measure.progress',
      summary: { progress: '已召开专题会', title: '强化思想武装', deadline: '2021-09-30' },
      before: { progress: '' },
    }
    expect(summaryText(progress)).toBe('')
    expect(summaryText(progress, true)).toContain('标题: 强化思想武装')
  })
  it('leave out what means nothing to a reader and name the rest', () => {
    const created = {
      action: 'inspection.create',
      summary: {
        id: 2,
        organisation_id: 2,
        status: 'planning',
        title: '县委第五巡察组巡察反馈问题整改',
        created_at: '2026-12-01T21:00:54Z',
      },
    }
    expect(summaryText(created)).toBe('状态: 筹备; 标题: 县委第五巡察组巡察反馈问题整改')
    const imported = {
      action: 'inspection.import',
      summary: { categories: 3, problems: 30, measures: 105, valid: true, preview: [{ deadline: null }] },
    }
    expect(summaryText(imported)).toBe('方面: 3; 问题: 30; 措施: 105')
    expect(
      summaryText({
        action: 'api_token.create',
        summary: { name: '数据平台', prefix: 'rct_iO', scopes: ['read'], expires_at: null },
      }),
    ).toBe('名称: 数据平台; 令牌前缀: rct_iO; 权限: 读; 到期时间: 无')
  })
})
