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
