import { expect, test } from '@playwright/test'
import { signIn } from './helpers'

test('the ledger filters on the server and pages through 105 measures', async ({ page }) => {
  await signIn(page, 'zhanghc')
  await page.goto('/ledger')
  const table = page.getByTestId('ledger-table')
  const pager = page.getByTestId('pager')
  await expect(pager).toContainText('105')
  await expect(table).toContainText('（一）履行职责使命方面')
  await expect(table).toContainText('1.理论武装不够问题')
  await expect(table).toContainText('①强化思想武装')

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

  // The column chooser hides a column and remembers it.
  await page.getByTestId('columns').click()
  await page.locator('.el-popover').getByText('类型', { exact: true }).click()
  await expect(table.locator('.el-table__header')).not.toContainText('类型')
  await page.reload()
  await expect(page.getByTestId('ledger-table').locator('.el-table__header')).not.toContainText('类型')
})
