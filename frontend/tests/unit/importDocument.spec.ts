import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  categoryLabel,
  chineseNumber,
  countsText,
  errorText,
  locate,
  measureLabel,
  outcomeText,
  valueAt,
} from '@/composables/importDocument'
import { i18n } from '@/i18n'
import en from '@/i18n/en'
import zh from '@/i18n/zh-CN'

const ledger = JSON.parse(readFileSync('../backend/fixtures/changyang-2021/ledger.json', 'utf8'))
const t = (key: string, params?: Record<string, unknown>) => i18n.global.t(key, params ?? {})
const has = (key: string) => i18n.global.te(key)
const none = { categories: 0, problems: 0, measures: 0 }

describe('labels', () => {
  it('follow the report', () => {
    expect([1, 3, 10, 12, 20, 31].map(chineseNumber)).toEqual(['一', '三', '十', '十二', '二十', '三十一'])
    expect(categoryLabel(2)).toBe('（二）')
    expect([1, 2, 20, 21].map(measureLabel)).toEqual(['①', '②', '⑳', '(21)'])
  })
})

describe('where an import error is', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('is named by the labels and titles of the document, not its JSON pointer', () => {
    expect(locate(ledger, '/categories/0/problems/0/measures/1/deadline', t, has)).toBe(
      '1. 理论武装不够问题 ② 完成时限',
    )
    // Problems are numbered across the categories.
    expect(locate(ledger, '/categories/1/problems/0/lead_department', t, has)).toBe(
      `12. ${ledger.categories[1].problems[0].title} 责任部门`,
    )
    expect(locate(ledger, '/categories/0/problems/1/measures/0/assignees/1', t, has)).toBe(
      `2. ${ledger.categories[0].problems[1].title} ① 具体负责人（第 2 个）`,
    )
    expect(locate(ledger, '/categories/2/title', t, has)).toBe('（三）履行党的建设责任方面 标题')
    expect(locate(ledger, '/categories/0/problems/0/measures/2', t, has)).toBe('1. 理论武装不够问题 ③')
    expect(locate(ledger, '', t, has)).toBe('整个文件')
    expect(locate(ledger, '/categories', t, has)).toBe('方面列表')
  })

  it('copes with what a broken document lacks', () => {
    const doc = { categories: [{ title: '', problems: [{ measures: [{}] }] }] }
    expect(locate(doc, '/categories/0/title', t, has)).toBe('（一） 标题')
    expect(locate(doc, '/categories/0/problems/0/title', t, has)).toBe('1. 标题')
    expect(locate(doc, '/categories/0/problems/0/measures/0/text', t, has)).toBe('1. ① 措施内容')
    expect(locate(doc, '/categories/5/title', t, has)).toBe('（六） 标题')
    expect(locate([1], '/categories/0/title', t, has)).toBe('（一） 标题')
  })

  it('speaks English too', () => {
    i18n.global.locale.value = 'en'
    expect(locate(ledger, '/categories/0/problems/0/measures/1/deadline', t, has)).toBe(
      '1. 理论武装不够问题 ② deadline',
    )
  })
})

describe('what an import error says', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('is a sentence for its code, with the value the document has there', () => {
    const doc = structuredClone(ledger)
    doc.categories[0].problems[0].measures[0].assignees = ['不存在的人']
    doc.categories[0].problems[0].measures[1].kind = '马上改'
    expect(
      errorText(
        { pointer: '/categories/0/problems/0/measures/0/assignees/0', code: 'unknown_user', message: 'no user' },
        doc,
        t,
        has,
      ),
    ).toBe('本单位没有这个用户：“不存在的人”')
    expect(
      errorText(
        { pointer: '/categories/0/problems/0/measures/1/kind', code: 'invalid_kind', message: 'x' },
        doc,
        t,
        has,
      ),
    ).toBe('整改时效应为“立行立改”“限期整改”或“长期坚持”：“马上改”')
    expect(
      errorText(
        { pointer: '/categories/1/problems/0/ordinal', code: 'ordinal_out_of_sequence', message: 'x' },
        doc,
        t,
        has,
      ),
    ).toBe('序号不连续，应为 12')
    expect(
      errorText({ pointer: '/categories/0/problems/0/measures/0/text', code: 'required', message: 'x' }, doc, t, has),
    ).toBe('必填')
    // A code without a sentence shows the server's message rather than nothing.
    expect(errorText({ pointer: '', code: 'brand_new', message: 'something new' }, doc, t, has)).toBe('something new')
  })

  it('reads values by pointer', () => {
    expect(valueAt(ledger, '/categories/0/problems/0/title')).toBe('理论武装不够问题')
    expect(valueAt(ledger, '/categories/9/title')).toBeUndefined()
    expect(valueAt({ 'a/b': { '~': 1 } }, '/a~1b/~0')).toBe(1)
  })
})

describe('what an import does, in words', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('counts what is there and leaves out what is not', () => {
    expect(countsText({ categories: 3, problems: 30, measures: 105 }, t)).toBe('3 个方面、30 个问题、105 条措施')
    expect(countsText({ categories: 0, problems: 1, measures: 2 }, t)).toBe('1 个问题、2 条措施')
    expect(countsText(none, t)).toBe('')
  })

  it('says what each choice does', () => {
    const all = { categories: 3, problems: 30, measures: 105 }
    expect(outcomeText({ created: none, updated: none, unchanged: none, skipped: all }, 'skip', t)).toBe(
      '不新建任何内容；跳过已有的 3 个方面、30 个问题、105 条措施',
    )
    expect(
      outcomeText(
        {
          created: { categories: 0, problems: 1, measures: 2 },
          updated: { categories: 0, problems: 0, measures: 2 },
          unchanged: { categories: 3, problems: 30, measures: 102 },
          skipped: { categories: 0, problems: 0, measures: 1 },
        },
        'update',
        t,
      ),
    ).toBe(
      '新建 1 个问题、2 条措施；更新 2 条措施；3 个方面、30 个问题、102 条措施与文件一致，不变；1 条措施已送审、已完成或已申请销号，保持不变',
    )
    expect(outcomeText({ created: none, updated: none, unchanged: none, skipped: none }, 'add', t)).toBe(
      '没有需要新建或更新的内容',
    )
  })
})

describe('import error codes', () => {
  it('each have a sentence in both languages', () => {
    // Every code the server's import can give, read from its source.
    const source = ['../backend/src/domain/ledger/import.rs']
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
      .replace(/#\[cfg\(test\)\][\s\S]*$/, '')
    const codes = new Set<string>()
    for (const m of source.matchAll(/(?:\.err|FieldError::new)\([^;]*?,\s*"([a-z_]+)"\s*,/g)) codes.add(m[1]!)
    for (const m of source.matchAll(/AppError::conflict\(\s*"([a-z_]+)"/g)) codes.add(m[1]!)
    expect([...codes].sort()).toEqual(
      expect.arrayContaining(['ambiguous_user', 'import_has_existing', 'invalid_kind', 'required', 'unknown_user']),
    )
    const errors = (o: { errors: Record<string, string> }) => Object.keys(o.errors)
    for (const code of codes) {
      expect(errors(zh), code).toContain(code)
      expect(errors(en), code).toContain(code)
    }
  })
})
