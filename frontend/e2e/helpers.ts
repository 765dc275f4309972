import { expect, type Page } from '@playwright/test'

export const PASSWORD = 'Rectify@2021'

/** Signs in through the login page as a demo account. */
export async function signIn(page: Page, username: string, locale: 'zh-CN' | 'en' = 'zh-CN') {
  // Another account may be signed in on this page: start from a clean session (on a page of the
  // same origin that does not run the app, which would restore the session at once).
  await page.goto('/healthz')
  await page.evaluate((l) => {
    localStorage.removeItem('rectify.refresh')
    localStorage.setItem('rectify.locale', l)
  }, locale)
  await page.goto('/login')
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(PASSWORD)
  await page.getByTestId('sign-in').click()
  await expect(page.getByTestId('user-menu')).toBeVisible()
}

/** Opens a problem's measure (by ordinals) through the API, as the signed-in user. */
export async function measureId(page: Page, problem: number, measure: number): Promise<number> {
  return page.evaluate(
    async ([p, m]) => {
      const refresh = localStorage.getItem('rectify.refresh')
      const pair = await (
        await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: refresh }),
        })
      ).json()
      localStorage.setItem('rectify.refresh', pair.refresh_token)
      const auth = { Authorization: `Bearer ${pair.access_token}` }
      const inspections = await (await fetch('/api/v1/inspections', { headers: auth })).json()
      // The demo school's inspection: the first of its inspecting body (other tests add inspections
      // of their own, some by the same body, and the list is newest first).
      const demo = inspections.items
        .filter((i: { inspector: string }) => i.inspector === '县委第三巡察组')
        .sort((a: { id: number }, b: { id: number }) => a.id - b.id)[0]
      const problems = await (await fetch(`/api/v1/inspections/${demo.id}/problems`, { headers: auth })).json()
      const problem = problems.find((x: { ordinal: number }) => x.ordinal === p)
      const measures = await (await fetch(`/api/v1/problems/${problem.id}/measures`, { headers: auth })).json()
      return measures.find((x: { ordinal: number }) => x.ordinal === m).id as number
    },
    [problem, measure],
  )
}

/** A screenshot kept as a test artifact, with animations stopped; the page must show no error. */
export async function shoot(page: Page, name: string) {
  await page.waitForLoadState('networkidle')
  // (A returned measure's reason is shown in red too, on purpose.)
  await expect(page.locator('.el-alert--error:not([data-test=returned-reason])')).toHaveText([])
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true, animations: 'disabled' })
}

/** Nothing sticks out sideways (staff work from phones). */
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  expect(overflow).toBeLessThanOrEqual(1)
}
