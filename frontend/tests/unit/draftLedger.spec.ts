import { describe, expect, it } from 'vitest'
import type { Schemas } from '@/api/client'
import {
  addAfter,
  addChild,
  canDemote,
  canMerge,
  canMove,
  canPromote,
  check,
  columnChoices,
  counts,
  coveredLines,
  defaultPeople,
  demote,
  figures,
  fromDraft,
  inspectionDefaults,
  labels,
  mergeWithPrevious,
  move,
  nodeAtLine,
  nodeErrors,
  personState,
  promote,
  remove,
  splitAt,
  splitIntoParts,
  splitParts,
  toLedger,
  walk,
  type DraftTree,
} from '@/composables/draftLedger'

const at = (first: number, last = first) => ({ first, last })

/** Two categories as the report has them: problems with their measures, on numbered lines. */
function draft(): Schemas['Draft'] {
  return {
    metadata: {
      inspector: '县委第三巡察组',
      started_on: '2021-03-15',
      ended_on: '2021-04-14',
      feedback_on: '2021-07-23',
    },
    blocks: [],
    declared: [],
    warnings: [],
    confidence: 'high',
    categories: [
      {
        label: '（一）',
        title: '履行职责使命方面',
        lines: at(10),
        problems: [
          {
            label: '1.',
            title: '理论武装不够问题',
            lines: at(12, 16),
            measures: [
              { label: '①', text: '强化思想武装。', lines: at(14) },
              { label: '②', text: '强化理论武装。', lines: at(16) },
            ],
          },
          {
            label: '2.',
            title: '学习不到位问题',
            lines: at(18, 22),
            responsible_leader: '覃守生',
            measures: [
              { label: '①', text: '规范学习制度。', lines: at(20), warnings: [{ code: 'x', message: '序号不连续' }] },
              { label: '②', text: '创新学习方式。', lines: at(22) },
            ],
          },
        ],
      },
      {
        label: '（二）',
        title: '从严治党方面',
        lines: at(30),
        problems: [
          {
            label: '3.',
            title: '主体责任落实不够问题',
            lines: at(32, 34),
            measures: [{ label: '①', text: '压实主体责任。', lines: at(34) }],
          },
        ],
      },
    ],
  }
}

/** The tree as `（一）履行职责使命方面 > 1. 理论… > ① 强化…` lines, to compare shapes at a glance. */
function shape(tree: DraftTree): string[] {
  const l = labels(tree)
  return [...walk(tree)].map(
    (n) => `${'  '.repeat(['category', 'problem', 'measure'].indexOf(n.level))}${l.get(n.key)}${n.text}`,
  )
}
const keyOf = (tree: DraftTree, text: string) => [...walk(tree)].find((n) => n.text === text)!.key

describe('the draft as a tree', () => {
  it('keeps the order, texts and source lines, and labels items as they will be imported', () => {
    const tree = fromDraft(draft())
    expect(shape(tree)).toEqual([
      '（一）履行职责使命方面',
      '  1.理论武装不够问题',
      '    ①强化思想武装。',
      '    ②强化理论武装。',
      '  2.学习不到位问题',
      '    ①规范学习制度。',
      '    ②创新学习方式。',
      '（二）从严治党方面',
      // Problems are numbered across the categories.
      '  3.主体责任落实不够问题',
      '    ①压实主体责任。',
    ])
    expect(counts(tree)).toEqual({ categories: 2, problems: 3, measures: 5 })
    expect(tree[0]!.children[1]!.responsible_leader).toBe('覃守生')
    expect(tree[0]!.children[1]!.children[0]!.warnings[0]!.message).toBe('序号不连续')
  })

  it('finds the item a source line belongs to: the measure rather than its problem', () => {
    const tree = fromDraft(draft())
    expect(nodeAtLine(tree, 14)).toBe(keyOf(tree, '强化思想武装。'))
    expect(nodeAtLine(tree, 12)).toBe(keyOf(tree, '理论武装不够问题'))
    expect(nodeAtLine(tree, 15)).toBe(keyOf(tree, '理论武装不够问题'))
    expect(nodeAtLine(tree, 10)).toBe(keyOf(tree, '履行职责使命方面'))
    // The report's prose is nobody's.
    expect(nodeAtLine(tree, 3)).toBeNull()
    expect(coveredLines(tree).has(3)).toBe(false)
    expect(coveredLines(tree).has(21)).toBe(true)
  })
})

describe('changing levels keeps the document order', () => {
  it('a measure made a problem takes the measures after it', () => {
    const tree = fromDraft(draft())
    const { tree: next } = promote(tree, keyOf(tree, '强化思想武装。'))
    expect(shape(next).slice(0, 5)).toEqual([
      '（一）履行职责使命方面',
      '  1.理论武装不够问题',
      '  2.强化思想武装。',
      '    ①强化理论武装。',
      '  3.学习不到位问题',
    ])
    expect(counts(next)).toEqual({ categories: 2, problems: 4, measures: 4 })
    // The tree before is left as it was (for undo).
    expect(shape(tree)[2]).toBe('    ①强化思想武装。')
  })

  it('a problem made a category takes the problems after it; its own measures become its problems', () => {
    const tree = fromDraft(draft())
    const { tree: next } = promote(tree, keyOf(tree, '学习不到位问题'))
    expect(shape(next).slice(0, 8)).toEqual([
      '（一）履行职责使命方面',
      '  1.理论武装不够问题',
      '    ①强化思想武装。',
      '    ②强化理论武装。',
      '（二）学习不到位问题',
      '  2.规范学习制度。',
      '  3.创新学习方式。',
      '（三）从严治党方面',
    ])
    expect(canPromote(next, keyOf(next, '学习不到位问题'))).toBe(false)
  })

  it('a problem made a measure joins the problem before it, followed by its own measures', () => {
    const tree = fromDraft(draft())
    const { tree: next } = demote(tree, keyOf(tree, '学习不到位问题'))
    expect(shape(next).slice(0, 7)).toEqual([
      '（一）履行职责使命方面',
      '  1.理论武装不够问题',
      '    ①强化思想武装。',
      '    ②强化理论武装。',
      '    ③学习不到位问题',
      '    ④规范学习制度。',
      '    ⑤创新学习方式。',
    ])
    // Nothing before it to join: the first problem of a category, a measure.
    expect(canDemote(tree, keyOf(tree, '理论武装不够问题'))).toBe(false)
    expect(canDemote(tree, keyOf(tree, '主体责任落实不够问题'))).toBe(false)
    expect(canDemote(tree, keyOf(tree, '强化理论武装。'))).toBe(false)
  })

  it('a category made a problem joins the category before it with its problems', () => {
    const tree = fromDraft(draft())
    const { tree: next } = demote(tree, keyOf(tree, '从严治党方面'))
    expect(shape(next).slice(-3)).toEqual(['  3.从严治党方面', '  4.主体责任落实不够问题', '    ①压实主体责任。'])
    expect(counts(next)).toEqual({ categories: 1, problems: 4, measures: 5 })
  })
})

describe('merging and splitting', () => {
  it('runs a broken paragraph together with the item before it, with its lines, children and fields', () => {
    const tree = fromDraft(draft())
    const { tree: next, key } = mergeWithPrevious(tree, keyOf(tree, '学习不到位问题'))
    const merged = next[0]!.children[0]!
    expect(key).toBe(merged.key)
    expect(merged.text).toBe('理论武装不够问题学习不到位问题')
    expect(merged.lines).toEqual(at(12, 22))
    expect(merged.children.map((m) => m.text)).toEqual([
      '强化思想武装。',
      '强化理论武装。',
      '规范学习制度。',
      '创新学习方式。',
    ])
    expect(merged.responsible_leader).toBe('覃守生')
    expect(canMerge(tree, keyOf(tree, '理论武装不够问题'))).toBe(false)
  })

  it('splits an item where the caret is into two of the same level', () => {
    const tree = fromDraft(draft())
    const first = keyOf(tree, '强化思想武装。')
    const { tree: next, key } = splitAt(tree, first, 4)
    expect(shape(next).slice(2, 5)).toEqual(['    ①强化思想', '    ②武装。', '    ③强化理论武装。'])
    expect(key).toBe(keyOf(next, '武装。'))
    // Nothing on one side: no split.
    expect(splitAt(tree, first, 0).tree).toBe(tree)
  })

  it('splits what a text enumerates: at 二是 三是 …, else at ；', () => {
    expect(splitParts('加强学习。一是定期学习；二是专题研讨；三是交流心得。')).toEqual([
      '加强学习。一是定期学习',
      '二是专题研讨',
      '三是交流心得。',
    ])
    expect(splitParts('完善制度；规范程序；加强监督。')).toEqual(['完善制度', '规范程序', '加强监督。'])
    // 唯一是 counts nothing; one ； at the end splits nothing.
    expect(splitParts('这是唯一是非标准；')).toEqual(['这是唯一是非标准'])
    const tree = fromDraft(draft())
    const m = keyOf(tree, '压实主体责任。')
    tree[1]!.children[0]!.children[0]!.text = '压实责任；细化分工；严格考核。'
    const { tree: next } = splitIntoParts(tree, m)
    expect(shape(next).slice(-3)).toEqual(['    ①压实责任', '    ②细化分工', '    ③严格考核。'])
  })
})

describe('moving, deleting and adding', () => {
  it('moves an item among its siblings, and from the first place into the parent before', () => {
    const tree = fromDraft(draft())
    const second = keyOf(tree, '强化理论武装。')
    expect(shape(move(tree, second, -1).tree).slice(2, 4)).toEqual(['    ①强化理论武装。', '    ②强化思想武装。'])
    const problem3 = keyOf(tree, '主体责任落实不够问题')
    const { tree: next } = move(tree, problem3, -1)
    expect(shape(next).slice(-4)).toEqual([
      '    ②创新学习方式。',
      '  3.主体责任落实不够问题',
      '    ①压实主体责任。',
      '（二）从严治党方面',
    ])
    expect(next[1]!.children).toEqual([])
    expect(canMove(tree, keyOf(tree, '履行职责使命方面'), -1)).toBe(false)
    expect(canMove(tree, keyOf(tree, '压实主体责任。'), 1)).toBe(false)
  })

  it('deletes an item with what is under it and selects the next one', () => {
    const tree = fromDraft(draft())
    const { tree: next, key } = remove(tree, keyOf(tree, '理论武装不够问题'))
    expect(counts(next)).toEqual({ categories: 2, problems: 2, measures: 3 })
    expect(key).toBe(keyOf(next, '学习不到位问题'))
    expect(remove(next, keyOf(next, '压实主体责任。')).key).toBe(keyOf(next, '主体责任落实不够问题'))
  })

  it('adds an empty item after one, or under one, with a key of its own', () => {
    const tree = fromDraft(draft())
    const after = addAfter(tree, keyOf(tree, '强化思想武装。'))
    expect(shape(after.tree).slice(2, 5)).toEqual(['    ①强化思想武装。', '    ②', '    ③强化理论武装。'])
    const child = addChild(after.tree, keyOf(tree, '从严治党方面'))
    expect(shape(child.tree).slice(-1)).toEqual(['  4.'])
    expect(new Set([...walk(child.tree)].map((n) => n.key)).size).toBe(12)
    expect(shape(addAfter([], null).tree)).toEqual(['（一）'])
  })
})

describe('the ledger document', () => {
  const people: Schemas['PersonMatch'][] = [
    { name: '覃守生', user: { id: 5, username: 'qinss', display_name: '覃守生' }, candidates: [] },
    {
      name: '李明',
      candidates: [
        { id: 7, username: 'liming1', display_name: '李明' },
        { id: 8, username: 'liming2', display_name: '李明' },
      ],
    },
    { name: '王五', candidates: [] },
  ]

  it('says which names were found, which are shared and which are missing', () => {
    expect(people.map(personState)).toEqual(['matched', 'ambiguous', 'missing'])
    expect(defaultPeople(people)).toEqual({ 覃守生: 'qinss' })
  })

  it('names people by the account chosen and leaves out what the organisation does not have', () => {
    const tree = fromDraft(draft())
    const m = tree[0]!.children[0]!.children[0]!
    Object.assign(m, {
      kind: '立行立改',
      deadline: '2021-09-30',
      responsible_leader: '覃守生',
      assignees: ['李明', '王五'],
      lead_department: '党政办公室',
      supporting_departments: ['教务处', '不存在处'],
      progress: '已完成',
    })
    const departments = [
      { name: '党政办公室', department_id: 1 },
      { name: '教务处', department_id: 2 },
      { name: '不存在处' },
    ]
    const doc = toLedger(tree, { ...defaultPeople(people), 李明: 'liming2' }, departments)
    expect(doc.categories[0]!.problems[0]!.measures[0]).toEqual({
      text: '强化思想武装。',
      kind: '立行立改',
      deadline: '2021-09-30',
      responsible_leader: 'qinss',
      assignees: ['liming2'],
      lead_department: '党政办公室',
      supporting_departments: ['教务处'],
    })
    // Nothing given, nothing sent: an empty field would overwrite an existing item's.
    expect(doc.categories[0]!.problems[0]!.measures[1]).toEqual({ text: '强化理论武装。' })
    expect(doc.categories[0]!.problems[1]).toMatchObject({ title: '学习不到位问题', responsible_leader: 'qinss' })
    expect(doc.categories.map((c) => c.title)).toEqual(['履行职责使命方面', '从严治党方面'])
  })

  it('leads the server’s errors back to the node and field they are about', () => {
    const tree = fromDraft(draft())
    const errors = [
      { pointer: '/ledger/categories/0/problems/1/measures/0/deadline', code: 'invalid_date', message: '' },
      { pointer: '/ledger/categories/1/title', code: 'required', message: '' },
      { pointer: '/ledger/categories/0/problems/1/measures/0/assignees/1', code: 'unknown_user', message: '' },
      { pointer: '/title', code: 'required', message: '' },
      { pointer: '/ledger/categories', code: 'required', message: '' },
    ]
    const { nodes, rest } = nodeErrors(tree, errors, '/ledger')
    expect(nodes.map((n) => [n.key, n.field])).toEqual([
      [keyOf(tree, '规范学习制度。'), 'deadline'],
      [keyOf(tree, '从严治党方面'), 'title'],
      [keyOf(tree, '规范学习制度。'), 'assignees'],
    ])
    expect(rest.map((e) => e.pointer)).toEqual(['/title', '/ledger/categories'])
    // The import into an existing inspection points into the document itself.
    expect(
      nodeErrors(tree, [{ pointer: '/categories/0/problems/0/title', code: 'x', message: '' }]).nodes[0]!.key,
    ).toBe(keyOf(tree, '理论武装不够问题'))
  })

  it('finds empty texts before anything is sent, where the server would point', () => {
    const tree = addChild(fromDraft(draft()), keyOf(fromDraft(draft()), '主体责任落实不够问题')).tree
    const errors = check(tree)
    expect(errors.map((e) => [e.pointer, e.code])).toEqual([['/categories/1/problems/0/measures/1/text', 'required']])
    expect(nodeErrors(tree, errors).nodes[0]!.key).toBe(tree[1]!.children[0]!.children[1]!.key)
    expect(check([]).map((e) => e.pointer)).toEqual(['/categories'])
  })
})

describe('around the tree', () => {
  it('compares what was read with what the document says it has', () => {
    const tree = fromDraft(draft())
    const declared = [
      { of: 'problems' as const, declared: 30, parsed: 3, lines: at(5) },
      { of: 'done' as const, declared: 28, lines: at(5) },
    ]
    expect(figures(tree, declared)).toEqual([
      { of: 'categories', read: 2, declared: null },
      { of: 'problems', read: 3, declared: 30 },
      { of: 'measures', read: 5, declared: null },
    ])
  })

  it('changes one column of a 台账 and keeps what the others hold', () => {
    const sheet: Schemas['SheetPreview'] = {
      sheets: ['台账', '说明'],
      layout: {
        sheet: 0,
        header_rows: [0, 0],
        columns: [
          { index: 0, letter: 'A', header: '序号' },
          { index: 1, letter: 'B', header: '问题', field: 'problem' },
          { index: 2, letter: 'C', header: '措施', field: 'feedback' },
        ],
      },
    }
    expect(columnChoices(sheet, 2, 'measure')).toEqual({
      sheet: 0,
      columns: [
        { column: 0, field: null },
        { column: 1, field: 'problem' },
        { column: 2, field: 'measure' },
      ],
    })
  })

  it('fills the new inspection from what the document says', () => {
    const form = inspectionDefaults(draft().metadata, (who) => `${who}巡察反馈问题整改`)
    expect(form).toEqual({
      title: '县委第三巡察组巡察反馈问题整改',
      inspector: '县委第三巡察组',
      onsite: ['2021-03-15', '2021-04-14'],
      feedback_date: '2021-07-23',
      deadline: '',
    })
    expect(inspectionDefaults({ title: '整改方案' }, () => '').title).toBe('整改方案')
  })
})
