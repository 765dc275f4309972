import { ElMessage, ElMessageBox } from 'element-plus'
import { ref } from 'vue'
import { ApiError } from '@/api/errors'
import { i18n } from '@/i18n'

/** A user-facing message for an error, in the user's language, chosen by the problem's `code`. */
export function messageFor(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    const key = `errors.${e.code}`
    if (te(key)) {
      const fields = e.errors.map((f) => (te(`errors.${f.code}`) ? t(`errors.${f.code}`) : f.message)).join('；')
      return fields ? `${t(key)}：${fields}` : t(key)
    }
    return t('errors.generic', { detail: e.detail || e.code })
  }
  return t('errors.generic', { detail: String(e) })
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
  async function run<T>(fn: () => Promise<T>, success?: string): Promise<T | undefined> {
    busy.value = true
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
        ElMessage.error(messageFor(e))
      }
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, run }
}
