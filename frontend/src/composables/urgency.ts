/** How pressing a deadline is: blue (time left), yellow (within a week), red (due today or past). */
export type Urgency = 'blue' | 'yellow' | 'red' | 'none'

const DONE = ['verified', 'monitoring']

/** Whole days from `today` to `deadline` (both YYYY-MM-DD); negative when past. */
export function daysUntil(deadline: string, today: string): number {
  return Math.round((Date.parse(deadline + 'T00:00:00Z') - Date.parse(today + 'T00:00:00Z')) / 86_400_000)
}

export function urgency(deadline: string | null | undefined, today: string, status?: string): Urgency {
  if (!deadline || (status && DONE.includes(status))) return 'none'
  const days = daysUntil(deadline, today)
  if (days <= 0) return 'red'
  if (days <= 7) return 'yellow'
  return 'blue'
}

const formats = new Map<string, Intl.DateTimeFormat>()

/** Today in the organisation's time zone (deadlines end at 24:00 there). */
export function todayIn(timeZone = 'Asia/Shanghai', now = new Date()): string {
  // A formatter with a time zone is costly to make (time zone data): one per zone.
  let format = formats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formats.set(timeZone, format)
  }
  return format.format(now)
}
