import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { call } from '@/api/errors'

type Kind = Schemas['TaskKind']
type Task = Schemas['Task']

/** Which task kinds each menu entry holds: one's own work, and decisions on others' work. */
export const KINDS: Record<'mine' | 'review', Kind[]> = {
  mine: ['overdue', 'work_on', 'request_closeout'],
  review: ['approve', 'sign', 'verify', 'extension', 'decide_closeout', 'lookback_due'],
}

/** Tasks of a menu entry; an overdue measure is shown once, as overdue, not again as work to do. */
export function tasksOf(items: Task[], mode: 'mine' | 'review'): Task[] {
  const all = items.filter((i) => KINDS[mode].includes(i.kind))
  const overdue = new Set(all.filter((i) => i.kind === 'overdue').map((i) => i.measure_id))
  return all.filter((i) => i.kind !== 'work_on' || !overdue.has(i.measure_id))
}

/** The caller's work queue, shared by the menu's counts and the task pages. */
export const useTasks = defineStore('tasks', () => {
  const items = ref<Task[]>([])
  const loaded = ref(false)
  async function load() {
    items.value = (await call(api.GET('/api/v1/me/tasks'))).items
    loaded.value = true
    return items.value
  }
  const counts = computed(() => ({
    mine: tasksOf(items.value, 'mine').length,
    review: tasksOf(items.value, 'review').length,
  }))
  return { items, loaded, counts, load }
})

/** Where a signed-in user's work is: their reviews when any wait, else their own tasks. */
export function landing(items: Task[], reviewer: boolean): string {
  const review = tasksOf(items, 'review').length
  const mine = tasksOf(items, 'mine').length
  return reviewer && (review > 0 || mine === 0) ? '/reviews' : '/tasks'
}
