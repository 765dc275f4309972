import { expect, test } from '@playwright/test'
import { expectNoHorizontalScroll, shoot, signIn } from './helpers'

test('the ledger filters on the server and pages through 105 measures', async ({ page }) => {
  await signIn(page, 'zhanghc')
  await page.goto('/ledger')
  const table = page.getByTestId('ledger-table')
  const pager = page.getByTestId('pager')
  await expect(pager).toContainText('105')
  await expect(table).toContainText('1. 理论武装不够问题')
  await expect(table).toContainText('1.① 强化思想武装')

  // A few columns by default; the column chooser shows the others and remembers them.
  const header = table.locator('.el-table__header')
  await expect(header).not.toContainText('方面')
  await page.getByTestId('columns').click()
  await page.locator('.el-popover').getByText('方面', { exact: true }).click()
  await expect(header).toContainText('方面')
  await expect(table).toContainText('（一）履行职责使命方面')
  await page.reload()
  await expect(page.getByTestId('ledger-table').locator('.el-table__header')).toContainText('方面')

  // Overdue only: the one immediate measure past its deadline.
  await page.getByTestId('filter-overdue').click()
  await page.getByTestId('search').click()
  await expect(pager).toContainText('共 1 条')
  await expect(table).toContainText('聚焦发展瓶颈')
  await page.getByTestId('filter-overdue').click()

  // By status: every row shown is verified.
  await page.getByTestId('filter-status').click()
  await page.getByRole('option', { name: '已完成', exact: true }).click()
  await page.getByTestId('search').click()
  await expect(pager).not.toContainText('105')
  const tags = table.locator('.el-table__body .el-tag')
  await expect(tags.first()).toHaveText('已完成')
  expect(new Set(await tags.allTextContents())).toEqual(new Set(['已完成']))
  await page.getByRole('button', { name: '重置' }).click()
  await expect(pager).toContainText('105')

  // By category and text.
  await page.getByTestId('filter-category').click()
  await page.getByRole('option', { name: '（三）履行党的建设责任方面' }).click()
  await page.getByTestId('filter-text').fill('三会一课')
  await page.getByTestId('search').click()
  await expect(table.locator('.el-table__body tr').first()).toContainText('（三）')
  for (const row of await table.locator('.el-table__body tr').allTextContents()) expect(row).toContain('（三）')

  // The column chooser hides a column again, and remembers that too.
  await page.getByTestId('columns').click()
  await page.locator('.el-popover').getByText('方面', { exact: true }).click()
  await expect(header).not.toContainText('方面')
  await page.reload()
  await expect(page.getByTestId('ledger-table').locator('.el-table__header')).toContainText('状态')
  await expect(page.getByTestId('ledger-table').locator('.el-table__header')).not.toContainText('方面')
})

test('at 1440×900 the status column is in sight without scrolling sideways', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await signIn(page, 'zhanghc')
  await page.goto('/ledger')
  const table = page.getByTestId('ledger-table')
  await expect(table.locator('.el-table__row').first()).toBeVisible()
  const status = table.locator('.el-table__header th').filter({ hasText: /^状态$/ })
  const box = (await status.boundingBox())!
  expect(box.x).toBeGreaterThanOrEqual(0)
  expect(box.x + box.width).toBeLessThanOrEqual(1440)
  // The table itself does not scroll sideways, nor does the page.
  const wrap = table.locator('.el-table__body-wrapper .el-scrollbar__wrap')
  expect(await wrap.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(1)
  await expectNoHorizontalScroll(page)
  // Every row's status tag is shown whole.
  const tag = (await table.locator('.el-table__body .el-tag').first().boundingBox())!
  expect(tag.x + tag.width).toBeLessThanOrEqual(1440)
  await shoot(page, 'zh-CN-ledger-1440')
})

for (const user of ['jiangf', 'zhanghc']) {
  test(`on a phone the ledger is a list of cards, one per measure (${user})`, async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await signIn(page, user)
    await page.goto('/ledger')
    const cards = page.getByTestId('ledger-cards')
    const card = cards.getByTestId('ledger-card').first()
    await expect(card).toBeVisible()
    await expect(page.getByTestId('ledger-table')).toHaveCount(0)
    // Label and title as a link, the problem, the status, the deadline with its urgency, the people.
    await expect(card.getByRole('link')).toHaveText(/^\d+\.[①-⑳] ./)
    await expect(card.locator('.el-tag')).toHaveCount(1)
    await expect(card.locator('[data-urgency]')).toHaveCount(1)
    await expect(card).toContainText('具体负责人')
    if (user === 'jiangf') await expect(card).toContainText('蒋芳')
    await expectNoHorizontalScroll(page)
    await shoot(page, `phone-ledger-cards-${user}`)
    // The card opens its measure.
    const href = await card.getByRole('link').getAttribute('href')
    await card.getByRole('link').click()
    await expect(page).toHaveURL(new RegExp(`${href}$`))
  })
}
