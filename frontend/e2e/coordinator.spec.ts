import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { shoot, signIn } from './helpers'

const ledger = readFileSync('../backend/fixtures/changyang-2021/ledger.json')

test('the coordinator creates an inspection, previews an import with its errors, then imports it', async ({ page }) => {
  await signIn(page, 'zgb')
  await page.goto('/inspections')
  await page.getByTestId('new-inspection').click()
  await page.getByTestId('inspection-title').fill('县委第五巡察组巡察反馈问题整改')
  await page.getByTestId('inspection-inspector').fill('县委第五巡察组')
  await page.getByTestId('create-inspection').click()
  await expect(page).toHaveURL(/\/inspections\/\d+$/)
  await expect(page.locator('.page-header h2')).toHaveText('县委第五巡察组巡察反馈问题整改')

  await page.getByRole('tab', { name: '导入台账' }).click()
  // A document with a mistake: every error listed with where it is, nothing imported.
  const broken = JSON.parse(ledger.toString())
  broken.categories[0].problems[1].measures[0].assignees = ['不存在的人']
  const chooser = page.waitForEvent('filechooser')
  await page.getByTestId('import-file').click()
  await (
    await chooser
  ).setFiles({ name: 'ledger.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) })
  const report = page.getByTestId('import-report')
  await expect(report).toContainText('发现 1 处错误')
  await expect(report).toContainText('/categories/0/problems/1/measures/0/assignees/0')
  await expect(page.getByTestId('import-now')).toHaveCount(0)

  // The real document: a preview of what will be created, then the import.
  const chooser2 = page.waitForEvent('filechooser')
  await page.getByTestId('import-file').click()
  await (await chooser2).setFiles({ name: 'ledger.json', mimeType: 'application/json', buffer: ledger })
  await expect(report).toContainText('将创建 3 个方面、30 个问题、105 条措施')
  await expect(report).toContainText('（三）履行党的建设责任方面')
  await shoot(page, 'zh-CN-import-preview')
  await page.getByTestId('import-now').click()
  await page.getByRole('tab', { name: '问题清单' }).click()
  await expect(page.locator('.category')).toHaveCount(3)
  await expect(page.locator('.category').first()).toContainText('1. 理论武装不够问题')
})

test('the coordinator manages accounts, departments and API tokens', async ({ page }) => {
  await signIn(page, 'zgb')
  await page.goto('/admin')
  await expect(page.locator('.el-table').first()).toContainText('蒋芳')
  await expect(page.locator('.el-table').first()).toContainText('qinlm')
  await page.getByRole('tab', { name: '部门' }).click()
  await page.getByPlaceholder('新增部门').fill('招生就业处')
  await page.getByRole('button', { name: '新增部门' }).click()
  await expect(page.locator('.el-tab-pane:visible .el-table')).toContainText('招生就业处')
  await page.getByRole('tab', { name: 'API 令牌' }).click()
  await page.getByRole('button', { name: '新建令牌' }).click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.locator('input').first().fill('教育局数据平台')
  await dialog.getByRole('button', { name: '新建' }).click()
  await expect(dialog).toContainText('令牌只显示这一次')
  await expect(dialog.locator('input')).toHaveValue(/.{20,}/)
})
