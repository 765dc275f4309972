import { ElMessage, ElMessageBox } from 'element-plus'
import { computed, ref, watch } from 'vue'
import { api, type Schemas } from '@/api/client'
import { toApiError } from '@/api/errors'
import { countsText, outcomeText, type Translate } from '@/composables/importDocument'
import { messageFor } from '@/composables/useAction'
import { i18n } from '@/i18n'

type OnExisting = Schemas['OnExisting']

/**
 * A ledger document imported into an existing inspection: a dry run first shows what would be
 * created, what the inspection already holds and every error; then the import, with a choice
 * for what already exists. `onImported` runs after a real import.
 */
export function useLedgerImport(
  inspection: () => number | null,
  doc: () => unknown,
  onImported: (report: Schemas['ImportReport']) => unknown,
) {
  const t: Translate = (key, params) => i18n.global.t(key, params ?? {})
  const report = ref<Schemas['ImportReport'] | null>(null)
  const choice = ref<OnExisting>()
  const importing = ref(false)
  /** A refusal that is not about the document's items (those are in the report's errors). */
  const error = ref('')
  /** How many of the document's items the inspection already holds. */
  const existing = computed(() => {
    const e = report.value?.existing
    return e ? e.categories + e.problems + e.measures : 0
  })

  function reset() {
    report.value = null
    choice.value = undefined
    error.value = ''
  }

  async function run(dryRun: boolean) {
    const id = inspection()
    if (id == null || !doc()) return
    if (!dryRun && choice.value === 'add' && existing.value) {
      const what = countsText(report.value!, t)
      const ok = await ElMessageBox.confirm(t('importer.confirmAdd', { what }), t('importer.choice.add'), {
        confirmButtonText: t('importer.choice.add'),
        cancelButtonText: t('common.cancel'),
        type: 'warning',
      })
        .then(() => true)
        .catch(() => false)
      if (!ok) return
    }
    importing.value = true
    error.value = ''
    const result = await api
      .POST('/api/v1/inspections/{id}/import', {
        params: { path: { id }, query: { dry_run: dryRun, ...(choice.value ? { on_existing: choice.value } : {}) } },
        body: doc() as Record<string, never>,
      })
      .catch(() => null)
    importing.value = false
    if (result?.data) {
      if (dryRun) {
        report.value = result.data
        return
      }
      ElMessage.success(t('importer.imported', { what: outcomeText(result.data, result.data.on_existing ?? 'add', t) }))
      reset()
      await onImported(result.data)
      return
    }
    const p = result?.error as Schemas['Problem'] | undefined
    if (p?.errors?.length && report.value) report.value = { ...report.value, valid: false, errors: p.errors }
    else error.value = messageFor(toApiError(result?.response.status ?? 0, result ? p : { code: 'network_error' }))
  }

  // A new choice changes the preview (with 仍然新增 everything is new and numbered after what exists).
  watch(choice, () => {
    if (doc()) void run(true)
  })

  return { report, choice, importing, error, existing, run, reset }
}
