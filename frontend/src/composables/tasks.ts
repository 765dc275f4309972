import type { Schemas } from '@/api/client'

/** Where a task is worked on: its measure, or its problem for close-out and problem look-backs. */
export function taskPath(task: Pick<Schemas['Task'], 'measure_id' | 'problem_id'>): string {
  return task.measure_id ? `/measures/${task.measure_id}` : `/problems/${task.problem_id}`
}
