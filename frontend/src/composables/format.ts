import { i18n } from '@/i18n'

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  return d.toLocaleString(i18n.global.locale.value, { hour12: false, timeZone: 'Asia/Shanghai' })
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** An audit action (`measure.signoff`) in the user's language, or as it is when unknown. */
export function actionName(action: string): string {
  const { t, te } = i18n.global
  return te(`actions.${action}`) ? t(`actions.${action}`) : action
}

/** A value recorded in the audit log, as shown: statuses and kinds named, lists joined. */
function shownValue(field: string, value: unknown): string {
  const { t, te } = i18n.global
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) return value.length ? value.map((v) => shownValue('', v)).join('、') : '—'
  if (typeof value === 'object') return JSON.stringify(value)
  for (const group of ['status', 'kind', 'closeout', 'stage'] as const) {
    const key = `${group}.${String(value)}`
    if ((field === group || field === `${group}_status`) && te(key)) return t(key)
  }
  return String(value)
}

export type Change = { field: string; from: string; to: string }

const fieldName = (k: string) => (i18n.global.te(`fields.${k}`) ? i18n.global.t(`fields.${k}`) : k)

/** What an audit event changed: each field (named in the user's language) from → to. */
export function changes(e: { before?: object | null; summary?: object }): Change[] {
  const before = (e.before ?? {}) as Record<string, unknown>
  const after = (e.summary ?? {}) as Record<string, unknown>
  return Object.keys(before).map((k) => ({
    field: fieldName(k),
    from: shownValue(k, before[k]),
    to: shownValue(k, after[k]),
  }))
}

/** The rest of an audit event's summary (what it did not change), as `name: value` pairs. */
export function summaryText(e: { before?: object | null; summary?: object }): string {
  const changed = Object.keys(e.before ?? {})
  return Object.entries((e.summary ?? {}) as Record<string, unknown>)
    .filter(([k]) => k !== 'version' && !changed.includes(k))
    .map(([k, v]) => `${fieldName(k)}: ${shownValue(k, v)}`)
    .join('; ')
}
