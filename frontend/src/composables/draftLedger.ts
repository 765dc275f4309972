// The draft ledger read from a document, as the coordinator corrects it before committing it:
// a tree of categories → problems → measures that keeps each item's source lines, edited by
// pure operations (each returns a new tree, so the page can undo), then turned into the ledger
// document the import takes, with the people and departments resolved as decided. The server's
// errors about that document are mapped back to the node and field they are about.

import type { Schemas } from '@/api/client'
import type { FieldError } from '@/api/errors'
import { categoryLabel, measureLabel, segments } from './importDocument'

export type Preview = Schemas['ImportPreview']
export type Draft = Schemas['Draft']
export type Lines = Schemas['Lines']
export type Warning = Schemas['Warning']
export type Field = Schemas['Field']
export type Metadata = Schemas['Metadata']
export type Counts = Schemas['ImportCounts']

export type Level = 'category' | 'problem' | 'measure'
export const LEVELS: readonly Level[] = ['category', 'problem', 'measure']

/** What a 台账 row gives a problem or measure besides its text, as the document writes it. */
export type NodeFields = Pick<
  Schemas['DraftMeasure'],
  'kind' | 'responsible_leader' | 'lead_department' | 'supporting_departments' | 'assignees' | 'deadline' | 'progress'
>
/** The fields an item carries from a 台账 or a plan. */
export const FIELD_NAMES = [
  'kind',
  'responsible_leader',
  'lead_department',
  'supporting_departments',
  'assignees',
  'deadline',
  'progress',
] as const satisfies readonly (keyof NodeFields)[]

export interface DraftNode extends NodeFields {
  /** Stable on the page: for selection, Vue keys and errors. */
  key: string
  level: Level
  /** The title of a category or problem, the text of a measure. */
  text: string
  /** A problem's feedback (问题表现). */
  feedback: string
  lines: Lines | null
  warnings: Warning[]
  children: DraftNode[]
}
export type DraftTree = DraftNode[]

/** A tree after an operation, and the node to select then. */
export interface Edit {
  tree: DraftTree
  key: string | null
}

// ---------------------------------------------------------------------------------------------
// Reading the draft, walking and finding

/** The server's draft as an editable tree, its nodes keyed n1, n2 … in document order. */
export function fromDraft(draft: Draft): DraftTree {
  let n = 0
  const key = () => `n${++n}`
  return draft.categories.map((c) => ({
    key: key(),
    level: 'category' as const,
    text: c.title,
    feedback: '',
    lines: c.lines ?? null,
    warnings: c.warnings ?? [],
    children: (c.problems ?? []).map((p) => ({
      key: key(),
      level: 'problem' as const,
      text: p.title,
      feedback: p.feedback ?? '',
      responsible_leader: p.responsible_leader,
      lead_department: p.lead_department,
      lines: p.lines ?? null,
      warnings: p.warnings ?? [],
      children: (p.measures ?? []).map((m) => ({
        key: key(),
        level: 'measure' as const,
        text: m.text,
        feedback: '',
        ...pickFields(m),
        lines: m.lines ?? null,
        warnings: m.warnings ?? [],
        children: [],
      })),
    })),
  }))
}

function pickFields(from: NodeFields): NodeFields {
  const out: NodeFields = {}
  for (const f of FIELD_NAMES) if (from[f] !== undefined) Object.assign(out, { [f]: from[f] })
  return out
}

/** Every node in document order (a category, its problems, each followed by its measures). */
export function* walk(tree: DraftTree): Generator<DraftNode> {
  for (const n of tree) {
    yield n
    yield* walk(n.children)
  }
}

/** Where a node is: the list that holds it, its index there, and its parent (none for a category). */
interface Place {
  node: DraftNode
  list: DraftNode[]
  index: number
  parent: DraftNode | null
  /** The list that holds the parent, and the parent's index there. */
  parentList: DraftNode[] | null
  parentIndex: number
}

function place(tree: DraftTree, key: string): Place | null {
  const search = (
    list: DraftNode[],
    parent: DraftNode | null,
    parentList: DraftNode[] | null,
    parentIndex: number,
  ): Place | null => {
    for (const [index, node] of list.entries()) {
      if (node.key === key) return { node, list, index, parent, parentList, parentIndex }
      const below = search(node.children, node, list, index)
      if (below) return below
    }
    return null
  }
  return search(tree, null, null, -1)
}

export function findNode(tree: DraftTree, key: string | null): DraftNode | null {
  return key ? (place(tree, key)?.node ?? null) : null
}

/** A key no node has yet. */
export function nextKey(tree: DraftTree): string {
  let max = 0
  for (const n of walk(tree)) max = Math.max(max, Number(n.key.slice(1)) || 0)
  return `n${max + 1}`
}

const clone = (tree: DraftTree): DraftTree => JSON.parse(JSON.stringify(tree))

function blank(key: string, level: Level): DraftNode {
  return { key, level, text: '', feedback: '', lines: null, warnings: [], children: [] }
}

// ---------------------------------------------------------------------------------------------
// Changing a node's level. The tree is read as the document reads: a sequence of headings, each
// with its level. A level change changes that one heading's level and groups the sequence
// again, so nothing moves in the document's order: a problem made a measure joins the problem
// before it, with its own measures after it; a measure made a problem takes the measures that
// follow it. A promoted problem's measures go up with it (they would have no problem), so they
// become the first problems of the new category.

/** The nodes in document order, each without its children. */
function flatten(tree: DraftTree): DraftNode[] {
  return [...walk(tree)].map((n) => ({ ...n, children: [] }))
}

function regroup(flat: DraftNode[]): DraftTree {
  const tree: DraftTree = []
  let category: DraftNode | null = null
  let problem: DraftNode | null = null
  for (const item of flat) {
    let level = item.level
    if (level === 'measure' && !problem) level = 'problem'
    if (level === 'problem' && !category) level = 'category'
    const node: DraftNode = { ...item, level, children: [] }
    if (level === 'category') {
      tree.push(node)
      category = node
      problem = null
    } else if (level === 'problem') {
      category!.children.push(node)
      problem = node
    } else {
      problem!.children.push(node)
    }
  }
  return tree
}

export function canPromote(tree: DraftTree, key: string | null): boolean {
  const n = findNode(tree, key)
  return !!n && n.level !== 'category'
}

/** One level up: a measure becomes a problem, a problem a category. */
export function promote(tree: DraftTree, key: string): Edit {
  if (!canPromote(tree, key)) return { tree, key }
  const flat = flatten(clone(tree))
  const at = flat.findIndex((f) => f.key === key)
  const depth = LEVELS.indexOf(flat[at]!.level)
  // The node and its children, which would otherwise have no parent of their level.
  for (let i = at; i < flat.length && (i === at || LEVELS.indexOf(flat[i]!.level) > depth); i++)
    flat[i]!.level = LEVELS[LEVELS.indexOf(flat[i]!.level) - 1]!
  return { tree: regroup(flat), key }
}

/** Only a node with one before it on its level can go down: it joins that one. */
export function canDemote(tree: DraftTree, key: string | null): boolean {
  const p = key ? place(tree, key) : null
  return !!p && p.node.level !== 'measure' && p.index > 0
}

/** One level down: a category becomes a problem of the category before it, a problem a measure. */
export function demote(tree: DraftTree, key: string): Edit {
  if (!canDemote(tree, key)) return { tree, key }
  const flat = flatten(clone(tree))
  const item = flat.find((f) => f.key === key)!
  item.level = LEVELS[LEVELS.indexOf(item.level) + 1]!
  return { tree: regroup(flat), key }
}

// ---------------------------------------------------------------------------------------------
// Merging and splitting

/** Chinese runs on without a space; two Latin words or figures keep one between them. */
function joinText(a: string, b: string): string {
  const left = a.trimEnd()
  const right = b.trimStart()
  if (!left || !right) return left + right
  return /[A-Za-z0-9]$/.test(left) && /^[A-Za-z0-9]/.test(right) ? `${left} ${right}` : left + right
}

function spanOf(a: Lines | null, b: Lines | null): Lines | null {
  if (!a || !b) return a ?? b
  return { first: Math.min(a.first, b.first), last: Math.max(a.last, b.last) }
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)

export function canMerge(tree: DraftTree, key: string | null): boolean {
  const p = key ? place(tree, key) : null
  return !!p && p.index > 0
}

/**
 * Joins a node to the one before it on its level (a paragraph the document broke in two): the
 * texts run on, the children follow, and fields the first lacks are taken from the second.
 */
export function mergeWithPrevious(tree: DraftTree, key: string): Edit {
  if (!canMerge(tree, key)) return { tree, key }
  const next = clone(tree)
  const p = place(next, key)!
  const prev = p.list[p.index - 1]!
  const node = p.node
  prev.text = joinText(prev.text, node.text)
  prev.feedback = joinText(prev.feedback, node.feedback)
  prev.lines = spanOf(prev.lines, node.lines)
  prev.warnings = [...prev.warnings, ...node.warnings]
  prev.children = [...prev.children, ...node.children]
  for (const f of FIELD_NAMES) {
    if (f === 'supporting_departments' || f === 'assignees') {
      const union = [...new Set([...(prev[f] ?? []), ...(node[f] ?? [])])]
      if (union.length) prev[f] = union
    } else if (isEmpty(prev[f]) && !isEmpty(node[f])) {
      Object.assign(prev, { [f]: node[f] })
    }
  }
  p.list.splice(p.index, 1)
  return { tree: next, key: prev.key }
}

export function canSplitAt(tree: DraftTree, key: string | null, offset: number): boolean {
  const n = findNode(tree, key)
  return !!n && !!n.text.slice(0, offset).trim() && !!n.text.slice(offset).trim()
}

/** A node with the same level and fields as `node`, holding `text`, for a split. */
function part(node: DraftNode, key: string, text: string): DraftNode {
  return { ...clone([node])[0]!, key, text, feedback: '', warnings: [], children: [] }
}

/**
 * Splits a node at a place in its text (where the caret is): the text after it becomes a new
 * node of the same level, right after it, with the same source lines and fields; the children
 * stay with the first part.
 */
export function splitAt(tree: DraftTree, key: string, offset: number): Edit {
  if (!canSplitAt(tree, key, offset)) return { tree, key }
  const next = clone(tree)
  const p = place(next, key)!
  const added = part(p.node, nextKey(next), p.node.text.slice(offset).trim())
  p.node.text = p.node.text.slice(0, offset).trim()
  p.list.splice(p.index + 1, 0, added)
  return { tree: next, key: added.key }
}

// 一是…；二是…: a numeral followed by 是, at the start or after punctuation (not 唯一是, 于是).
// (No lookbehind: older phone browsers lack it.)
const ENUMERATION = /(^|[。；;，,：:\s])[一二三四五六七八九十]+是/g

/**
 * The parts a text enumerates: at 二是, 三是 … when it counts them (the words before 一是 stay
 * with the first part), else at each ；. Each part without its closing ；.
 */
export function splitParts(text: string): string[] {
  const marks = [...text.matchAll(ENUMERATION)].map((m) => m.index + (m[1]?.length ?? 0))
  let cuts = marks.length >= 2 ? marks.slice(1) : []
  if (!cuts.length) cuts = [...text.matchAll(/[；;]/g)].map((m) => m.index + 1)
  const bounds = [0, ...cuts, text.length]
  return bounds
    .slice(1)
    .map((end, i) =>
      text
        .slice(bounds[i], end)
        .trim()
        .replace(/[；;]+$/, '')
        .trim(),
    )
    .filter(Boolean)
}

export function canSplitParts(tree: DraftTree, key: string | null): boolean {
  const n = findNode(tree, key)
  return !!n && splitParts(n.text).length > 1
}

/** Splits a node into the parts its text enumerates (一是…二是…, or at ；), one node each. */
export function splitIntoParts(tree: DraftTree, key: string): Edit {
  if (!canSplitParts(tree, key)) return { tree, key }
  const next = clone(tree)
  const p = place(next, key)!
  const [first, ...rest] = splitParts(p.node.text)
  p.node.text = first!
  let n = Number(nextKey(next).slice(1))
  p.list.splice(p.index + 1, 0, ...rest.map((text) => part(p.node, `n${n++}`, text)))
  return { tree: next, key }
}

// ---------------------------------------------------------------------------------------------
// Moving, deleting, adding

/** A node's neighbour in that direction, or (first or last under its parent) its parent's. */
export function canMove(tree: DraftTree, key: string | null, dir: -1 | 1): boolean {
  const p = key ? place(tree, key) : null
  if (!p) return false
  const to = p.index + dir
  if (to >= 0 && to < p.list.length) return true
  return !!p.parentList && !!p.parentList[p.parentIndex + dir]
}

/**
 * Moves a node one place up or down among its siblings; the first (last) one moves on to the
 * end (start) of the parent before (after) its own, e.g. a problem into the category above.
 */
export function move(tree: DraftTree, key: string, dir: -1 | 1): Edit {
  if (!canMove(tree, key, dir)) return { tree, key }
  const next = clone(tree)
  const p = place(next, key)!
  const to = p.index + dir
  const within = to >= 0 && to < p.list.length
  p.list.splice(p.index, 1)
  if (within) {
    p.list.splice(to, 0, p.node)
  } else {
    const target = p.parentList![p.parentIndex + dir]!
    if (dir === -1) target.children.push(p.node)
    else target.children.unshift(p.node)
  }
  return { tree: next, key }
}

/** Deletes a node with everything under it; selects the next one, else the one before, else its parent. */
export function remove(tree: DraftTree, key: string): Edit {
  const next = clone(tree)
  const p = place(next, key)
  if (!p) return { tree, key: null }
  p.list.splice(p.index, 1)
  const then = p.list[p.index] ?? p.list[p.index - 1] ?? p.parent
  return { tree: next, key: then?.key ?? null }
}

/** A new empty node after the given one, on its level; with none given, a new category at the end. */
export function addAfter(tree: DraftTree, key: string | null): Edit {
  const next = clone(tree)
  const p = key ? place(next, key) : null
  const added = blank(nextKey(next), p?.node.level ?? 'category')
  if (p) p.list.splice(p.index + 1, 0, added)
  else next.push(added)
  return { tree: next, key: added.key }
}

export function canAddChild(tree: DraftTree, key: string | null): boolean {
  const n = findNode(tree, key)
  return !!n && n.level !== 'measure'
}

/** A new empty node at the end of a category's problems or a problem's measures. */
export function addChild(tree: DraftTree, key: string): Edit {
  if (!canAddChild(tree, key)) return { tree, key }
  const next = clone(tree)
  const node = place(next, key)!.node
  const added = blank(nextKey(next), LEVELS[LEVELS.indexOf(node.level) + 1]!)
  node.children.push(added)
  return { tree: next, key: added.key }
}

/** Changes one node's text (or a problem's feedback) in place: typing is not an operation to undo. */
export function setText(tree: DraftTree, key: string, text: string, field: 'text' | 'feedback' = 'text'): void {
  const n = findNode(tree, key)
  if (n) n[field] = text
}

// ---------------------------------------------------------------------------------------------
// What the page shows about the tree

/** The labels the items will have once imported: （一）, problems 1. 2. … across categories, ①. */
export function labels(tree: DraftTree): Map<string, string> {
  const out = new Map<string, string>()
  let problemNo = 0
  tree.forEach((c, ci) => {
    out.set(c.key, categoryLabel(ci + 1))
    for (const p of c.children) {
      out.set(p.key, `${++problemNo}.`)
      p.children.forEach((m, mi) => out.set(m.key, measureLabel(mi + 1)))
    }
  })
  return out
}

const PLURAL = { category: 'categories', problem: 'problems', measure: 'measures' } as const

export function counts(tree: DraftTree): Counts {
  const c = { categories: 0, problems: 0, measures: 0 }
  for (const n of walk(tree)) c[PLURAL[n.level]]++
  return c
}

export interface Figure {
  of: keyof Counts
  /** What the tree holds now. */
  read: number
  /** What the document says it has, when it says. */
  declared: number | null
}

/** The tree's figures beside those the document states (共 3 个方面 30 个问题 …). */
export function figures(tree: DraftTree, declared: Schemas['DeclaredCount'][]): Figure[] {
  const now = counts(tree)
  return (['categories', 'problems', 'measures'] as const).map((of) => ({
    of,
    read: now[of],
    declared: declared.find((d) => d.of === of)?.declared ?? null,
  }))
}

const contains = (l: Lines | null, line: number) => !!l && l.first <= line && line <= l.last

/** The innermost node whose source lines hold a line (a measure before its problem). */
export function nodeAtLine(tree: DraftTree, line: number): string | null {
  let found: DraftNode | null = null
  let span = Infinity
  for (const n of walk(tree)) {
    if (!contains(n.lines, line)) continue
    const s = n.lines!.last - n.lines!.first
    // Deeper nodes come later in document order: on equal spans the later one is the inner one.
    if (s <= span) {
      found = n
      span = s
    }
  }
  return found?.key ?? null
}

/** The source lines that some node was read from; the others (the report's prose) are not imported. */
export function coveredLines(tree: DraftTree): Set<number> {
  const out = new Set<number>()
  for (const n of walk(tree)) if (n.lines) for (let i = n.lines.first; i <= n.lines.last; i++) out.add(i)
  return out
}

// ---------------------------------------------------------------------------------------------
// People and departments

export type Person = Schemas['PersonMatch']
export type PersonState = 'matched' | 'ambiguous' | 'missing'

/** 已匹配: one account of that name; 同名多人: several, choose one; 未找到: none, left empty. */
export function personState(p: Person): PersonState {
  if (p.user || p.candidates.length === 1) return 'matched'
  return p.candidates.length > 1 ? 'ambiguous' : 'missing'
}

/** A name in the document → the user name it is imported as; names not listed are left empty. */
export type PeopleChoice = Record<string, string>

/** The accounts found for sure; ambiguous names wait for a choice. */
export function defaultPeople(people: Person[]): PeopleChoice {
  const out: PeopleChoice = {}
  for (const p of people) {
    const user = p.user ?? (p.candidates.length === 1 ? p.candidates[0] : null)
    if (user) out[p.name] = user.username
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The ledger document

type LedgerMeasure = Omit<Schemas['DraftMeasure'], 'label' | 'lines' | 'warnings' | 'progress'>
type LedgerProblem = Omit<Schemas['DraftProblem'], 'label' | 'lines' | 'warnings' | 'measures'> & {
  measures: LedgerMeasure[]
}
type LedgerCategory = Pick<Schemas['DraftCategory'], 'title'> & { problems: LedgerProblem[] }
/** The document `POST /inspections/{id}/import` (and a new inspection's `ledger`) takes. */
export interface LedgerDocument {
  categories: LedgerCategory[]
}

/** The object without its empty fields: absent fields leave an existing item's values as they are. */
function compact<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !isEmpty(v))) as Partial<T>
}
const given = (v: string | undefined): v is string => v !== undefined

/**
 * The ledger document of the edited tree. People are named by the user name decided for them
 * (a display name may be shared), departments only when the organisation has them; the others
 * are left out, to be filled in on the ledger. Nothing is dropped or reordered, so that the
 * server's pointers lead back to the nodes.
 */
export function toLedger(
  tree: DraftTree,
  people: PeopleChoice,
  departments: Schemas['DepartmentMatch'][],
): LedgerDocument {
  const known = new Set(departments.filter((d) => d.department_id != null).map((d) => d.name))
  const person = (name?: string | null) => (name ? people[name.trim()] : undefined)
  const department = (name?: string | null) => (name && known.has(name.trim()) ? name.trim() : undefined)
  return {
    categories: tree.map((c) => ({
      title: c.text.trim(),
      problems: c.children.map((p) => ({
        title: p.text.trim(),
        ...compact({
          feedback: p.feedback.trim(),
          responsible_leader: person(p.responsible_leader),
          lead_department: department(p.lead_department),
        }),
        measures: p.children.map((m) => ({
          text: m.text.trim(),
          ...compact({
            kind: m.kind?.trim(),
            responsible_leader: person(m.responsible_leader),
            lead_department: department(m.lead_department),
            supporting_departments: (m.supporting_departments ?? []).map(department).filter(given),
            assignees: (m.assignees ?? []).map(person).filter(given),
            deadline: m.deadline,
          }),
        })),
      })),
    })),
  }
}

const LIMITS: Record<Level, number> = { category: 100, problem: 200, measure: 10_000 }

/** What the server would refuse for sure, found before sending: empty and over-long texts. */
export function check(tree: DraftTree): FieldError[] {
  const errors: FieldError[] = []
  if (!tree.length) errors.push({ pointer: '/categories', code: 'required', message: 'no categories' })
  const visit = (list: DraftNode[], at: string) =>
    list.forEach((n, i) => {
      const here = `${at}/${i}`
      const field = n.level === 'measure' ? 'text' : 'title'
      if (!n.text.trim()) errors.push({ pointer: `${here}/${field}`, code: 'required', message: 'must not be empty' })
      else if (n.text.trim().length > LIMITS[n.level])
        errors.push({ pointer: `${here}/${field}`, code: 'too_long', message: `at most ${LIMITS[n.level]}` })
      if (n.children.length) visit(n.children, `${here}/${n.level === 'category' ? 'problems' : 'measures'}`)
    })
  visit(tree, '/categories')
  return errors
}

/** An error about one node of the tree, and the field it names (`title`, `deadline` …), if any. */
export interface NodeError {
  key: string
  field: string | null
  error: FieldError
}

/**
 * The errors about the ledger document, each on the node it points at
 * (`/ledger/categories/0/problems/1/measures/2/deadline` → that measure, `deadline`), and the
 * others (the new inspection's own fields, the document as a whole).
 */
export function nodeErrors(
  tree: DraftTree,
  errors: FieldError[],
  prefix = '',
): { nodes: NodeError[]; rest: FieldError[] } {
  const nodes: NodeError[] = []
  const rest: FieldError[] = []
  for (const error of errors) {
    const inside = error.pointer === prefix || error.pointer.startsWith(prefix + '/')
    const s = inside ? segments(error.pointer.slice(prefix.length)) : []
    let list: DraftNode[] = tree
    let node: DraftNode | null = null
    let i = 0
    // categories/0/problems/1/measures/2: down as far as the pointer names nodes that exist.
    for (const name of ['categories', 'problems', 'measures']) {
      const next = s[i] === name && /^\d+$/.test(s[i + 1] ?? '') ? list[Number(s[i + 1])] : undefined
      if (!next) break
      node = next
      list = next.children
      i += 2
    }
    if (node) nodes.push({ key: node.key, field: s[i] ?? null, error })
    else rest.push(error)
  }
  return { nodes, rest }
}

// ---------------------------------------------------------------------------------------------
// A 台账's columns

/** What a column can hold, in the order the mapping offers them. */
export const FIELDS: readonly Field[] = [
  'category',
  'problem',
  'feedback',
  'measure',
  'kind',
  'responsible_leader',
  'lead_department',
  'supporting_departments',
  'assignees',
  'deadline',
  'progress',
]

/** The `choices` form field: which sheet, and what each column holds (`null`: not imported). */
export type ColumnChoices = Schemas['Choices']

/** The columns as they are read now, with one of them changed. */
export function columnChoices(sheet: Schemas['SheetPreview'], column: number, field: Field | null): ColumnChoices {
  return {
    sheet: sheet.layout.sheet,
    columns: sheet.layout.columns.map((c) => ({
      column: c.index,
      field: c.index === column ? field : (c.field ?? null),
    })),
  }
}

/** Another sheet, its columns guessed afresh. */
export function sheetChoice(index: number): ColumnChoices {
  return { sheet: index, columns: [] }
}

// ---------------------------------------------------------------------------------------------
// The new inspection

export interface InspectionForm {
  title: string
  inspector: string
  onsite: string[]
  feedback_date: string
  deadline: string
}

/**
 * A new inspection as the document describes it; its title "县委第三巡察组巡察反馈问题整改" made by
 * `titleFor` from the inspecting body, else the document's own title.
 */
export function inspectionDefaults(m: Metadata, titleFor: (inspector: string) => string): InspectionForm {
  const inspector = m.inspector?.trim() ?? ''
  return {
    title: inspector ? titleFor(inspector) : (m.title?.trim() ?? ''),
    inspector,
    onsite: m.started_on && m.ended_on ? [m.started_on, m.ended_on] : [],
    feedback_date: m.feedback_on ?? '',
    deadline: '',
  }
}
