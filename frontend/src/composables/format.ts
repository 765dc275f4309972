import { i18n } from '@/i18n'

let displayZone = 'Asia/Shanghai'

/** The organisation's time zone, in which instants are shown (set when the user signs in). */
export function setDisplayZone(zone: string | undefined) {
  displayZone = zone || 'Asia/Shanghai'
}

const formats = new Map<string, Intl.DateTimeFormat>()

/** One date-time format everywhere: 2026-12-02 02:38, zero-padded, in the organisation's zone. */
export function dateTime(iso: string | null | undefined, timeZone = displayZone): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  let format = formats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formats.set(timeZone, format)
  }
  const p = Object.fromEntries(format.formatToParts(d).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** What the audit log and the timeline need of an event. */
export interface Event {
  action: string
  summary?: object
  before?: object | null
  names?: Record<string, string>
  actor?: string
  actor_name?: string
  actor_title?: string | null
  entity_type?: string
  entity_id?: number
  entity_label?: string | null
}

const fields = (e: Event) => (e.summary ?? {}) as Record<string, unknown>

/** The person who acted, with their title: 张红昌（校党委书记、校长）. */
export function actorName(e: Event): string {
  const name = e.actor_name || e.actor || ''
  // A title with brackets of its own (党政办公室（整改办）) is not nested in another pair.
  const title = e.actor_title?.replace(/（/g, '，').replace(/）/g, '')
  return title ? `${name}（${title}）` : name
}

/** What the event is about: 1.① 强化思想武装, never `measure #9` while it can be named. */
export function objectName(e: Event): string {
  const { t, te } = i18n.global
  if (e.entity_label) return e.entity_label
  const kind = te(`entity.${e.entity_type}`) ? t(`entity.${e.entity_type}`) : (e.entity_type ?? '')
  return `${kind} ${e.entity_id ?? ''}`.trim()
}

/**
 * An audit action in the user's language, by stage where it has one: 审核通过, 审批同意, 核验通过,
 * 退回（审核）, 同意销号, 回头看：巩固 … Unknown actions are shown as they are.
 */
export function actionName(e: Event | string): string {
  const { t, te } = i18n.global
  const event = typeof e === 'string' ? { action: e } : e
  const s = fields(event)
  const verdict = (key: string) => (te(key) ? t(key) : undefined)
  const specific =
    (event.action === 'measure.signoff' && verdict(`act.${s.decision}.${s.stage}`)) ||
    (event.action === 'problem.closeout' && verdict(`act.closeout.${s.decision}`)) ||
    (event.action.endsWith('.lookback') && verdict(`act.lookback.${s.result}`)) ||
    (event.action === 'measure.extension_decision' && verdict(`act.extension.${s.decision}`))
  if (specific) return specific
  return te(`actions.${event.action}`) ? t(`actions.${event.action}`) : event.action
}

const USER_FIELDS = ['responsible_leader_id', 'assignee_ids', 'user_id', 'user_ids']
const DEPARTMENT_FIELDS = ['lead_department_id', 'supporting_department_ids', 'department_id']
const DIGESTS = ['evidence_digest', 'sha256', 'hash']
/** Fields an action's name already says, or that mean nothing to a reader (the tooltip has them). */
const HIDDEN = [
  'version',
  'decision',
  'stage',
  'id',
  'measure_id',
  'comment_id',
  'extension_id',
  'organisation_id',
  'created_at',
  'updated_at',
  'preview',
  'errors',
  'valid',
  'dry_run',
]

/** A value recorded in the audit log, as shown: statuses and kinds named, ids as names, lists joined. */
function shownValue(field: string, value: unknown, names: Record<string, string> = {}, full = false): string {
  const { t, te } = i18n.global
  if (value === null || value === undefined || value === '') return t('common.none')
  if (Array.isArray(value))
    return value.length ? value.map((v) => shownValue(field, v, names, full)).join('、') : t('common.none')
  // Counts of an import (方面 3、问题 30、措施 105); other records as they are.
  if (typeof value === 'object' && Object.values(value).every((v) => typeof v === 'number'))
    return Object.entries(value)
      .map(([k, v]) => `${fieldName(k)} ${v}`)
      .join('、')
  if (typeof value === 'object') return JSON.stringify(value)
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no')
  if (USER_FIELDS.includes(field)) return names[`user:${value}`] ?? String(value)
  if (DEPARTMENT_FIELDS.includes(field)) return names[`department:${value}`] ?? String(value)
  if (DIGESTS.includes(field) && typeof value === 'string' && value.length > 12 && !full)
    return `${value.slice(0, 10)}…`
  if (field === 'on_existing' && te(`inspections.onExisting.${value}`)) return t(`inspections.onExisting.${value}`)
  for (const group of ['status', 'kind', 'closeout', 'stage', 'result', 'decision'] as const) {
    const key = `${group}.${String(value)}`
    if ((field === group || field === `${group}_status`) && te(key)) return t(key)
  }
  // An inspection's status, an API token's scopes.
  if (field === 'status' && te(`inspections.status.${value}`)) return t(`inspections.status.${value}`)
  if (field === 'scopes' && te(`admin.${value}`)) return t(`admin.${value}`)
  if (field.endsWith('_at') && typeof value === 'string') return dateTime(value)
  return String(value)
}

/** The words of an act itself, shown beside what it changed. */
const ACT_FIELDS = ['comment', 'reason', 'body', 'findings', 'round', 'new_deadline', 'old_deadline', 'result']

export type Change = { field: string; from: string; to: string }

const fieldName = (k: string) => (i18n.global.te(`fields.${k}`) ? i18n.global.t(`fields.${k}`) : k)

/** What an audit event changed: each field (named in the user's language) from → to. */
export function changes(e: Event): Change[] {
  const before = (e.before ?? {}) as Record<string, unknown>
  const after = fields(e)
  return Object.keys(before).map((k) => ({
    field: fieldName(k),
    from: shownValue(k, before[k], e.names),
    to: shownValue(k, after[k], e.names),
  }))
}

/**
 * The rest of an audit event's summary (what it did not change), as `name: value` pairs; a piece
 * of evidence as its file and document number: 整改通知.pdf（职教党〔2021〕12号）.
 */
export function summaryText(e: Event, full = false): string {
  const s = fields(e)
  if (e.action.startsWith('evidence.') && typeof s.file_name === 'string') {
    const number = s.document_number ? `（${s.document_number}）` : ''
    const deleted = typeof s.deleted === 'string' && s.deleted ? `；${fieldName('reason')}: ${s.deleted}` : ''
    return `${s.file_name}${number}${deleted}`
  }
  const changed = Object.keys(e.before ?? {})
  // After a change, what it changed says it all but for the act's own words (意见, 理由 …);
  // the whole record is in `full`, for the tooltip.
  const acts = (k: string) => !changed.length || full || ACT_FIELDS.includes(k)
  return Object.entries(s)
    .filter(([k, v]) => !HIDDEN.includes(k) && !changed.includes(k) && v !== false && acts(k))
    .map(([k, v]) => `${fieldName(k)}: ${shownValue(k, v, e.names, full)}`)
    .join('; ')
}
