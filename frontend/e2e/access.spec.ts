import { expect, test } from '@playwright/test'
import { measureId, signIn } from './helpers'

test('a teacher sees no review pages, and their addresses are refused', async ({ page }) => {
  await signIn(page, 'jiangf')
  const menu = page.locator('.aside')
  await expect(menu).toContainText('我的任务')
  await expect(menu).not.toContainText('待我审核')
  await expect(menu).not.toContainText('审计日志')
  for (const path of ['/reviews', '/audit', '/admin', '/inspections', '/bureau']) {
    await page.goto(path)
    await expect(page.getByTestId('message')).toContainText('无权访问此页面')
  }
})

test("a teacher's own pages ask the server for nothing a teacher may not read", async ({ page }) => {
  const refused: string[] = []
  page.on('response', (r) => {
    if (r.status() === 403) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}`)
  })
  await signIn(page, 'jiangf')
  await expect(page.locator('.task').first()).toBeVisible()
  await page.goto(`/measures/${await measureId(page, 4, 2)}`)
  await expect(page.getByTestId('evidence-drop')).toBeVisible()
  // The ledger shows only the teacher's measures, without the organisation's statistics.
  await page.goto('/ledger')
  await expect(page.getByTestId('ledger-table').locator('.el-table__row').first()).toBeVisible()
  await expect(page.getByTestId('filter-leader')).toHaveCount(0)
  await page.goto('/notifications')
  await page.waitForLoadState('networkidle')
  expect(refused).toEqual([])
})

test('signed-out visitors go to the login page and come back after signing in', async ({ page }) => {
  await page.goto('/ledger')
  await expect(page).toHaveURL(/\/login\?redirect=/)
  await page.locator('input[name=username]').fill('zhanghc')
  await page.locator('input[name=password]').fill('wrong-password')
  await page.getByTestId('sign-in').click()
  await expect(page.locator('.el-alert')).toContainText('用户名或密码错误')
  await page.locator('input[name=password]').fill('Rectify@2021')
  await page.getByTestId('sign-in').click()
  await expect(page.getByTestId('ledger-table')).toBeVisible()
  expect(new URL(page.url()).pathname).toMatch(/^\/ledger/)
  // A reload keeps the session; signing out ends it.
  await page.reload()
  await expect(page.getByTestId('ledger-table')).toBeVisible()
  await page.getByTestId('user-menu').click()
  await page.getByTestId('sign-out').click()
  await expect(page).toHaveURL(/\/login/)
  await page.goto('/tasks')
  await expect(page).toHaveURL(/\/login/)
})

test('the language is switched and remembered', async ({ page }) => {
  await signIn(page, 'jiangf')
  await page.getByTestId('language').click()
  await page.getByRole('menuitem', { name: 'English' }).click()
  await expect(page.locator('.aside')).toContainText('My tasks')
  await expect(page.locator('.page-header h2')).toHaveText('My tasks')
  await page.reload()
  await expect(page.locator('.aside')).toContainText('Ledger')
  // Errors come in the chosen language too.
  await page.goto('/audit')
  await expect(page.getByTestId('message')).toContainText('You may not open this page')
  await page.getByTestId('language').click()
  await page.getByRole('menuitem', { name: '中文' }).click()
  await expect(page.locator('.aside')).toContainText('整改台账')
})
