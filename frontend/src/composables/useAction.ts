import { ElMessage, ElMessageBox } from 'element-plus'
import { reactive, ref } from 'vue'
import { ApiError, type FieldError } from '@/api/errors'
import { i18n } from '@/i18n'

const codeMessage = (code: string) => {
  const { t, te } = i18n.global
  return te(`errors.${code}`) ? t(`errors.${code}`) : t('errors.generic', { code })
}
/** The field a JSON pointer ends at: `/measures/3/deadline` → `deadline`. */
const fieldName = (pointer: string) =>
  pointer
    .split('/')
    .filter((p) => p && !/^\d+$/.test(p))
    .pop()

/** A field error's sentence, naming the field where the pointer says which: 新的完成时限：必填. */
export function fieldMessage(f: FieldError): string {
  const { t, te } = i18n.global
  const name = fieldName(f.pointer)
  return name && te(`fields.${name}`) ? `${t(`fields.${name}`)}：${codeMessage(f.code)}` : codeMessage(f.code)
}

/**
 * A user-facing message for an error, in the user's language, chosen by the problem's `code`.
 * The server's `detail` (English, for developers) is never shown.
 */
export function messageFor(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    const key = te(`errors.${e.code}`)
      ? `errors.${e.code}`
      : te(`errors.http_${e.status}`)
        ? `errors.http_${e.status}`
        : ''
    const head = key ? t(key) : t('errors.generic', { code: e.code })
    const fields = e.errors.map(fieldMessage).join('；')
    return fields ? `${head}：${fields}` : head
  }
  return t('errors.generic', { code: 'client' })
}

/** Whether the error means the record changed since it was read (412 or a version conflict). */
export function isStale(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 412 || e.code === 'version_mismatch')
}

/**
 * Runs a change: shows success, or the error in the user's language. When someone else changed
 * the record first, offers to reload instead of overwriting.
 */
export function useAction(reload?: () => unknown) {
  const busy = ref(false)
  /** The last refusal's messages per field (by the pointer's last name), to mark the fields. */
  const fieldErrors = reactive<Record<string, string>>({})
  async function run<T>(fn: () => Promise<T>, success?: string): Promise<T | undefined> {
    busy.value = true
    for (const k of Object.keys(fieldErrors)) delete fieldErrors[k]
    try {
      const result = await fn()
      if (success) ElMessage.success(success)
      return result
    } catch (e) {
      const { t } = i18n.global
      if (isStale(e) && reload) {
        await ElMessageBox.confirm(t('errors.conflictReload'), t('errors.conflictTitle'), {
          confirmButtonText: t('errors.reload'),
          cancelButtonText: t('common.cancel'),
          type: 'warning',
        })
          .then(() => reload())
          .catch(() => undefined)
      } else {
        if (e instanceof ApiError)
          for (const f of e.errors) fieldErrors[fieldName(f.pointer) ?? ''] = codeMessage(f.code)
        ElMessage.error(messageFor(e))
      }
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, run, fieldErrors }
}
