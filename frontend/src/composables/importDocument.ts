// A ledger document as its reader knows it: where a JSON pointer into it is ("1. 理论武装不够问题
// ② 完成时限") and what an import error says, in the user's language. Pure: the document and
// the translation function are given.

import type { FieldError } from '@/api/errors'
import type { Schemas } from '@/api/client'

export type Translate = (key: string, params?: Record<string, unknown>) => string
export type Has = (key: string) => boolean

const DIGITS = '零一二三四五六七八九'

/** Chinese numeral for 1–99, as the report numbers its categories: 一, 十, 十一, 二十一. */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n]!
  if (n < 20) return '十' + (n === 10 ? '' : DIGITS[n % 10])
  if (n < 100) return DIGITS[Math.floor(n / 10)] + '十' + (n % 10 ? DIGITS[n % 10] : '')
  return String(n)
}

export const categoryLabel = (n: number) => `（${chineseNumber(n)}）`
export const measureLabel = (n: number) => (n >= 1 && n <= 20 ? String.fromCodePoint(0x2460 + n - 1) : `(${n})`)

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '')
/** The item's own ordinal when it has a sensible one, else its place in the document. */
const ordinal = (item: Obj, place: number) =>
  Number.isInteger(item.ordinal) && (item.ordinal as number) > 0 ? (item.ordinal as number) : place

/** The parts of a JSON pointer (RFC 6901). */
export function segments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .replace(/^\//, '')
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** The value a pointer names in the document, if any. */
export function valueAt(doc: unknown, pointer: string): unknown {
  let v: unknown = doc
  for (const s of segments(pointer)) {
    if (Array.isArray(v)) v = v[Number(s)]
    else if (v && typeof v === 'object') v = (v as Obj)[s]
    else return undefined
  }
  return v
}

function field(name: string, t: Translate, has: Has): string {
  return has(`importField.${name}`) ? t(`importField.${name}`) : name
}

/** A field, and which entry of a list field ("具体负责人（第 2 个）"). */
function fieldAt(rest: string[], t: Translate, has: Has): string {
  const [name, index] = rest
  if (name === undefined) return ''
  const named = field(name, t, has)
  return index !== undefined && /^\d+$/.test(index) ? named + t('importer.nth', { n: Number(index) + 1 }) : named
}

/**
 * Where a pointer into a ledger document is, by the labels and titles its reader sees:
 * `/categories/0/problems/0/measures/1/deadline` → "1. 理论武装不够问题 ② 完成时限".
 */
export function locate(doc: unknown, pointer: string, t: Translate, has: Has): string {
  const s = segments(pointer)
  if (s.length === 0) return t('importField.document')
  if (s[0] !== 'categories') return pointer
  if (s.length === 1) return field('categories', t, has)
  const cats = list(obj(doc).categories)
  const ci = Number(s[1])
  const cat = obj(cats[ci])
  const catName = categoryLabel(ordinal(cat, ci + 1)) + text(cat.title)
  const join = (...parts: string[]) => parts.filter(Boolean).join(' ')
  if (s[2] !== 'problems' || s.length === 3) return join(catName, fieldAt(s.slice(2), t, has))
  // Problems are numbered across the whole document, as in the report.
  const pi = Number(s[3])
  const before = cats.slice(0, ci).reduce<number>((n, c) => n + list(obj(c).problems).length, 0)
  const prob = obj(list(cat.problems)[pi])
  const probName = `${ordinal(prob, before + pi + 1)}. ${text(prob.title)}`.trim()
  if (s[4] !== 'measures' || s.length === 5) return join(probName, fieldAt(s.slice(4), t, has))
  const mi = Number(s[5])
  const measure = obj(list(prob.measures)[mi])
  return join(probName, measureLabel(ordinal(measure, mi + 1)), fieldAt(s.slice(6), t, has))
}

/** Codes whose sentence is clearer with the value the document has there. */
const WITH_VALUE = new Set(['unknown_user', 'unknown_department', 'ambiguous_user', 'invalid_kind', 'invalid_date'])

/** What an import error says, in the user's language, with the document's value where it helps. */
export function errorText(e: FieldError, doc: unknown, t: Translate, has: Has): string {
  const message = has(`errors.${e.code}`) ? t(`errors.${e.code}`) : e.message
  if (e.code === 'ordinal_out_of_sequence') {
    const s = segments(e.pointer)
    const measure = s[4] === 'measures'
    const cats = list(obj(doc).categories)
    const ci = Number(s[1])
    const expected = measure
      ? Number(s[5]) + 1
      : cats.slice(0, ci).reduce<number>((n, c) => n + list(obj(c).problems).length, 0) + Number(s[3]) + 1
    return t('importer.expectedOrdinal', { message, n: expected })
  }
  const value = valueAt(doc, e.pointer)
  if (WITH_VALUE.has(e.code) && typeof value === 'string' && value.trim()) {
    return t('importer.withValue', { message, value: value.trim() })
  }
  return message
}

export type ImportCounts = Schemas['ImportCounts']

/** "3 个方面、30 个问题、105 条措施", leaving out what is none; empty when all are none. */
export function countsText(c: ImportCounts, t: Translate): string {
  return [
    c.categories && t('importer.categories', { n: c.categories }),
    c.problems && t('importer.problems', { n: c.problems }),
    c.measures && t('importer.measures', { n: c.measures }),
  ]
    .filter(Boolean)
    .join(t('importer.and'))
}

/** What one choice does, in words: "新建 1 个问题、2 条措施；跳过已有的 3 个方面…". */
export function outcomeText(o: Omit<Schemas['ImportOutcome'], 'on_existing'>, choice: string, t: Translate): string {
  const parts = [
    countsText(o.created, t) && t('importer.created', { what: countsText(o.created, t) }),
    countsText(o.updated, t) && t('importer.updated', { what: countsText(o.updated, t) }),
    countsText(o.unchanged, t) && t('importer.unchanged', { what: countsText(o.unchanged, t) }),
    countsText(o.skipped, t) &&
      t(choice === 'update' ? 'importer.skippedLocked' : 'importer.skipped', { what: countsText(o.skipped, t) }),
  ].filter(Boolean)
  if (!parts.length) return t('importer.nothing')
  if (!countsText(o.created, t)) parts.unshift(t('importer.createNothing'))
  return parts.join(t('importer.then'))
}
