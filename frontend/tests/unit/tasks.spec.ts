import { describe, expect, it } from 'vitest'
import type { Schemas } from '@/api/client'
import { landing, tasksOf } from '@/stores/tasks'

const task = (kind: Schemas['TaskKind'], measure_id: number): Schemas['Task'] => ({
  kind,
  measure_id,
  inspection_id: 1,
  organisation_name: '长阳土家族自治县职业教育中心',
  problem_id: 1,
  problem_label: '1.',
  problem_title: '理论武装不够问题',
  label: '①',
  title: '强化思想武装',
  status: 'in_progress',
  deadline: '2026-12-10',
  next_lookback: null,
  due: '2026-12-10',
})

describe('the work queue', () => {
  it('shows an overdue measure once, under one menu entry', () => {
    const items = [task('work_on', 1), task('overdue', 1), task('work_on', 2), task('approve', 3)]
    expect(tasksOf(items, 'mine').map((t) => [t.kind, t.measure_id])).toEqual([
      ['overdue', 1],
      ['work_on', 2],
    ])
    expect(tasksOf(items, 'review').map((t) => t.measure_id)).toEqual([3])
  })
  it('lands reviewers on their reviews and everyone else on their tasks', () => {
    expect(landing([task('verify', 1)], true)).toBe('/reviews')
    expect(landing([], true)).toBe('/reviews')
    expect(landing([task('work_on', 1)], true)).toBe('/tasks')
    expect(landing([task('work_on', 1), task('sign', 2)], true)).toBe('/reviews')
    expect(landing([task('approve', 1)], false)).toBe('/tasks')
  })
})
