import { computed, reactive, ref, shallowRef } from 'vue'
import { api, type Schemas } from '@/api/client'
import { ApiError, call, type FieldError } from '@/api/errors'
import { messageFor } from '@/composables/useAction'
import {
  check,
  findNode,
  fromDraft,
  nodeErrors,
  toLedger,
  defaultPeople,
  type ColumnChoices,
  type DraftTree,
  type Edit,
  type InspectionForm,
  type Metadata,
  type NodeError,
  type PeopleChoice,
  type Preview,
} from '@/composables/draftLedger'
import { i18n } from '@/i18n'

/** The largest document the server reads (20 MiB): larger ones are refused before sending. */
export const MAX_DOCUMENT = 20 * 1024 * 1024
const HISTORY = 100

/** A refusal of a document in the user's words: this page's own sentence, else the app's. */
export function documentMessage(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    const code = e.errors[0]?.code ?? e.code
    if (te(`docImport.errors.${code}`)) return t(`docImport.errors.${code}`)
    if (te(`errors.${code}`)) return t(`errors.${code}`)
  }
  return messageFor(e)
}

/**
 * The import page's state: the document read (kept, to read it again with other column
 * choices), the draft tree with its undo history and selection, the decisions about names, the
 * errors marked on the tree, and committing into a new inspection.
 */
export function useDraftImport() {
  const preview = shallowRef<Preview | null>(null)
  const file = shallowRef<File | null>(null)
  const reading = ref(false)
  /** Refusals of the input, at the field they are about. */
  const inputErrors = reactive({ file: '', text: '', columns: '' })
  const tree = ref<DraftTree>([])
  const history = ref<DraftTree[]>([])
  const selected = ref<string | null>(null)
  const metadata = ref<Metadata>({})
  const people = ref<PeopleChoice>({})
  /** Errors about the items, found before sending or by the server, shown at their nodes. */
  const marks = ref<NodeError[]>([])

  async function read(input: { file: File } | { text: string }, choices?: ColumnChoices): Promise<boolean> {
    Object.assign(inputErrors, { file: '', text: '', columns: '' })
    const where = choices ? 'columns' : 'file' in input ? 'file' : 'text'
    if ('file' in input && input.file.size > MAX_DOCUMENT) {
      inputErrors.file = documentMessage(new ApiError(413, 'file_too_large', ''))
      return false
    }
    reading.value = true
    try {
      let result: Preview
      if ('file' in input) {
        const form = new FormData()
        form.append('file', input.file, input.file.name)
        if (choices) form.append('choices', JSON.stringify(choices))
        // (The form goes as it is: the browser sets its boundary.)
        result = await call(
          api.POST('/api/v1/imports', { body: form as never, bodySerializer: (b: unknown) => b as FormData }),
        )
        file.value = input.file
      } else {
        result = await call(api.POST('/api/v1/imports', { body: { text: input.text } }))
        file.value = null
      }
      preview.value = result
      tree.value = fromDraft(result.draft)
      history.value = []
      selected.value = tree.value[0]?.key ?? null
      metadata.value = { ...result.draft.metadata }
      people.value = defaultPeople(result.people)
      marks.value = []
      return true
    } catch (e) {
      const pointer = e instanceof ApiError ? (e.errors[0]?.pointer ?? '') : ''
      const field = pointer === '/file' ? 'file' : pointer === '/text' ? 'text' : pointer ? 'columns' : where
      inputErrors[field] = documentMessage(e)
      return false
    } finally {
      reading.value = false
    }
  }

  /** Reads the same file again with other column choices (a 台账). */
  function reread(choices: ColumnChoices) {
    return file.value ? read({ file: file.value }, choices) : Promise.resolve(false)
  }

  /** Applies a tree operation to the selected node, keeping the tree before it for undo. */
  function apply(op: (tree: DraftTree, key: string) => Edit) {
    const key = selected.value
    if (!key) return
    const edit = op(tree.value, key)
    if (edit.tree === tree.value) return
    history.value = [...history.value.slice(-HISTORY + 1), tree.value]
    tree.value = edit.tree
    selected.value = edit.key
    // Marks point at nodes by key; those of nodes gone go with them.
    marks.value = marks.value.filter((m) => findNode(edit.tree, m.key))
  }

  function undo() {
    const before = history.value.at(-1)
    if (!before) return
    history.value = history.value.slice(0, -1)
    tree.value = before
    if (!findNode(before, selected.value)) selected.value = before[0]?.key ?? null
  }

  /** The ledger document as the tree and the decisions stand. */
  const ledger = () => toLedger(tree.value, people.value, preview.value?.departments ?? [])

  /** Marks the errors about the items; answers the others. */
  function mark(errors: FieldError[], prefix = ''): FieldError[] {
    const { nodes, rest } = nodeErrors(tree.value, errors, prefix)
    marks.value = nodes
    if (nodes[0]) selected.value = nodes[0].key
    return rest
  }

  /** Checks what can be checked here; false (and the items marked) when something must be corrected. */
  function checkTree(): boolean {
    const errors = check(tree.value)
    mark(errors)
    return errors.length === 0
  }

  function clearMarks(key: string) {
    if (marks.value.some((m) => m.key === key)) marks.value = marks.value.filter((m) => m.key !== key)
  }

  /**
   * Creates the inspection with its ledger, together or not at all. On a refusal: the items'
   * errors are marked on the tree, the inspection's own are answered by field.
   */
  async function createInspection(
    form: InspectionForm,
  ): Promise<{ created: Schemas['InspectionView'] } | { fields: FieldError[]; error: string }> {
    if (!checkTree()) return { fields: [], error: '' }
    try {
      const created = await call(
        api.POST('/api/v1/inspections', {
          body: {
            title: form.title.trim(),
            inspector: form.inspector.trim(),
            onsite_start: form.onsite[0] || null,
            onsite_end: form.onsite[1] || null,
            feedback_date: form.feedback_date || null,
            deadline: form.deadline || null,
            leading_group: [],
            ledger: ledger() as unknown as Record<string, never>,
          },
        }),
      )
      return { created }
    } catch (e) {
      const rest = e instanceof ApiError ? mark(e.errors, '/ledger') : []
      // A field-less refusal, or one about the document as a whole, is said in words.
      const general = !(e instanceof ApiError) || !e.errors.length || rest.some((f) => f.pointer.startsWith('/ledger'))
      return { fields: rest, error: general ? messageFor(e) : '' }
    }
  }

  const canUndo = computed(() => history.value.length > 0)

  return {
    preview,
    file,
    reading,
    inputErrors,
    tree,
    selected,
    metadata,
    people,
    marks,
    canUndo,
    read,
    reread,
    apply,
    undo,
    ledger,
    mark,
    checkTree,
    clearMarks,
    createInspection,
  }
}
