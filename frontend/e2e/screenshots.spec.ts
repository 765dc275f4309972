import { expect, test } from '@playwright/test'
import { expectNoHorizontalScroll, measureId, shoot, signIn } from './helpers'

// Every main page in both languages, saved under screenshots/ to be looked at.
for (const locale of ['zh-CN', 'en'] as const) {
  test(`main pages render in ${locale}`, async ({ page }) => {
    await page.goto('/login')
    await page.evaluate((l) => localStorage.setItem('rectify.locale', l), locale)
    await page.reload()
    await shoot(page, `${locale}-login`)
    await signIn(page, 'majp', locale)
    for (const [path, name] of [
      ['/tasks', 'tasks'],
      ['/reviews', 'reviews'],
      ['/ledger', 'ledger'],
      ['/dashboard', 'dashboard'],
      ['/bureau', 'bureau'],
      ['/audit', 'audit'],
    ]) {
      await page.goto(path)
      await shoot(page, `${locale}-${name}`)
    }
    await page.goto(`/measures/${await measureId(page, 6, 1)}`)
    await expect(page.getByTestId('evidence-table')).toContainText('整改落实情况报告')
    await shoot(page, `${locale}-measure`)
    await signIn(page, 'zgb', locale)
    for (const [path, name] of [
      ['/inspections', 'inspections'],
      ['/admin', 'admin'],
      ['/import', 'import'],
    ]) {
      await page.goto(path)
      await shoot(page, `${locale}-${name}`)
    }
    await page.goto('/inspections')
    await page.locator('.el-table__row').first().click()
    await shoot(page, `${locale}-inspection`)
  })
}

test('staff pages fit a 375 px phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 })
  await signIn(page, 'jiangf')
  await expect(page.locator('.task').first()).toBeVisible()
  await expectNoHorizontalScroll(page)
  await shoot(page, 'phone-tasks')
  await page.goto(`/measures/${await measureId(page, 4, 2)}`)
  await expect(page.getByTestId('evidence-drop')).toBeVisible()
  await expectNoHorizontalScroll(page)
  await shoot(page, 'phone-measure')
  await page.goto('/ledger')
  await expect(page.getByTestId('ledger-cards').getByTestId('ledger-card').first()).toBeVisible()
  await expectNoHorizontalScroll(page)
  await shoot(page, 'phone-ledger')
})

test("every role's pages fit a 375 px phone", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 })
  for (const [user, paths] of [
    ['zhanghc', ['/reviews', '/dashboard', '/notifications']],
    ['daixb', ['/audit']],
    ['majp', ['/bureau']],
    ['zgb', ['/inspections', '/admin']],
  ] as const) {
    await signIn(page, user)
    for (const path of paths) {
      await page.goto(path)
      await page.waitForLoadState('networkidle')
      // Tables become cards: nothing is hidden off the side.
      const cards = { '/audit': 'audit-cards', '/bureau': 'school-cards' }[path as string]
      if (cards) await expect(page.getByTestId(cards).locator('.phone-card').first()).toBeVisible()
      await expectNoHorizontalScroll(page)
      await shoot(page, `phone-${user}${path.replace('/', '-')}`)
    }
  }
})
