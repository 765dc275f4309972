import { describe, expect, it } from 'vitest'
import { daysUntil, todayIn, urgency } from '@/composables/urgency'

describe('urgency', () => {
  const today = '2026-11-28'
  it('turns yellow within a week and red on the day and after', () => {
    expect(urgency('2027-01-10', today)).toBe('blue')
    expect(urgency('2026-12-06', today)).toBe('blue')
    expect(urgency('2026-12-05', today)).toBe('yellow')
    expect(urgency('2026-11-29', today)).toBe('yellow')
    expect(urgency('2026-11-28', today)).toBe('red')
    expect(urgency('2026-10-01', today)).toBe('red')
  })
  it('has nothing to say of finished work or work without a deadline', () => {
    expect(urgency('2026-10-01', today, 'verified')).toBe('none')
    expect(urgency('2026-10-01', today, 'monitoring')).toBe('none')
    expect(urgency(null, today)).toBe('none')
    expect(urgency('2026-10-01', today, 'submitted')).toBe('red')
  })
  it('counts whole days across months and years', () => {
    expect(daysUntil('2027-01-01', '2026-12-31')).toBe(1)
    expect(daysUntil('2026-11-23', today)).toBe(-5)
  })
  it("takes today in the organisation's time zone", () => {
    // 2026-11-28 17:30 UTC is already the 29th in Shanghai.
    const now = new Date(Date.UTC(2026, 10, 28, 17, 30))
    expect(todayIn('Asia/Shanghai', now)).toBe('2026-11-29')
    expect(todayIn('UTC', now)).toBe('2026-11-28')
  })
})
