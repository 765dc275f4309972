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
  // Where it is, as the reader of the document knows it, and why, in Chinese.
  const errors = page.getByTestId('import-errors')
  await expect(errors).toContainText(`2. ${broken.categories[0].problems[1].title} ① 具体负责人（第 1 个）`)
  await expect(errors).toContainText('本单位没有这个用户：“不存在的人”')
  await expect(errors).not.toContainText('/categories/')
  await expect(errors).not.toContainText('unknown_user')
  await expect(page.getByTestId('import-now')).toHaveCount(0)
  // (The page shows an error on purpose here, so not through shoot().)
  await page.screenshot({ path: 'screenshots/zh-CN-import-errors.png', fullPage: true, animations: 'disabled' })

  // The real document: a preview of what will be created, then the import.
  const chooser2 = page.waitForEvent('filechooser')
  await page.getByTestId('import-file').click()
  await (await chooser2).setFiles({ name: 'ledger.json', mimeType: 'application/json', buffer: ledger })
  await expect(report).toContainText('将新建 3 个方面、30 个问题、105 条措施')
  await expect(page.getByTestId('import-existing')).toHaveCount(0)
  await expect(report).toContainText('（三）履行党的建设责任方面')
  await shoot(page, 'zh-CN-import-preview')
  await page.getByTestId('import-now').click()
  await page.getByRole('tab', { name: '问题清单' }).click()
  await expect(page.locator('.category')).toHaveCount(3)
  await expect(page.locator('.category').first()).toContainText('1. 理论武装不够问题')
})

/** Opens the demo school's inspection (the one holding the reference ledger) for editing. */
async function openDemoInspection(page: import('@playwright/test').Page) {
  await page.goto('/inspections')
  await page.locator('.el-table__row', { hasText: '县委第三巡察组巡察反馈问题整改' }).click()
  await expect(page.locator('.page-header h2')).toHaveText('县委第三巡察组巡察反馈问题整改')
}

test('importing the ledger the inspection already holds shows what exists and asks what to do with it', async ({
  page,
}) => {
  await signIn(page, 'zgb')
  await openDemoInspection(page)
  await page.getByRole('tab', { name: '导入台账' }).click()
  const chooser = page.waitForEvent('filechooser')
  await page.getByTestId('import-file').click()
  await (await chooser).setFiles({ name: 'ledger.json', mimeType: 'application/json', buffer: ledger })
  const report = page.getByTestId('import-report')
  await expect(report).toContainText('检查通过：文件中有 3 个方面、30 个问题、105 条措施已在本轮巡察中')
  await expect(report).toContainText('请在下面选择如何处理这些已有内容，再导入。')
  await expect(report).not.toContainText('将新建')
  // Each choice says what it would do, in words.
  await expect(page.getByTestId('on-existing-skip')).toContainText('跳过已有')
  await expect(page.getByTestId('on-existing-skip')).toContainText('跳过已有的 3 个方面、30 个问题、105 条措施')
  await expect(page.getByTestId('on-existing-update')).toContainText('更新已有')
  await expect(page.getByTestId('on-existing-add')).toContainText('仍然新增')
  await expect(page.getByTestId('on-existing-add')).toContainText('新建 3 个方面、30 个问题、105 条措施')
  // The preview marks what exists, under its own labels, not as （四）（五）（六）.
  const preview = page.getByTestId('import-preview')
  await expect(preview).toContainText('已有（一）履行职责使命方面')
  await expect(preview).not.toContainText('（四）')
  await expect(page.getByTestId('import-now')).toBeDisabled()
  await shoot(page, 'zh-CN-import-existing')

  // 仍然新增 would follow as new categories; 跳过已有 writes nothing new.
  await page.getByTestId('on-existing-add').click()
  await expect(preview).toContainText('新增（四）履行职责使命方面')
  await page.getByTestId('on-existing-skip').click()
  await expect(report).toContainText('将不新建任何内容；跳过已有的 3 个方面、30 个问题、105 条措施')
  await expect(preview).not.toContainText('（四）')
  await expect(page.getByTestId('import-now')).toHaveText('按“跳过已有”导入')
  await shoot(page, 'zh-CN-import-skip')
  await page.getByTestId('import-now').click()
  await expect(page.locator('.el-message--success')).toContainText(
    '导入完成：不新建任何内容；跳过已有的 3 个方面、30 个问题、105 条措施',
  )
  await page.getByRole('tab', { name: '问题清单' }).click()
  await expect(page.locator('.category')).toHaveCount(3)
})

test('the leading group names every member, a disabled one marked, and offers only active accounts', async ({
  page,
}) => {
  await signIn(page, 'zgb')
  await openDemoInspection(page)
  await page.getByRole('tab', { name: '领导小组' }).click()
  const pane = page.locator('.el-tab-pane:visible')
  const chosen = pane.locator('[data-test=member-user] .el-select__selected-item:not(.is-hidden)')
  await expect(chosen.first()).toBeVisible()
  const names = (await chosen.allInnerTexts()).map((s) => s.trim()).filter(Boolean)
  expect(names).toContain('杨奎（已停用）')
  expect(names).toContain('张红昌')
  expect(
    names.filter((n) => /^\d+$/.test(n)),
    'no bare ids',
  ).toEqual([])
  // 杨奎 cannot be chosen for a new member.
  await pane.getByRole('button', { name: '添加成员' }).click()
  await pane.locator('[data-test=member-user]').last().click()
  const dropdown = page.locator('.el-select-dropdown:visible')
  await expect(dropdown.locator('.el-select-dropdown__item.is-disabled')).toContainText(['杨奎（已停用）'])
  await expect(dropdown.locator('.el-select-dropdown__item:not(.is-disabled)', { hasText: '杨奎' })).toHaveCount(0)
  await shoot(page, 'zh-CN-leading-group')
})

test('the coordinator manages accounts, departments and API tokens', async ({ page }) => {
  await signIn(page, 'zgb')
  await page.goto('/admin')
  await expect(page.locator('.el-table').first()).toContainText('蒋芳')
  await expect(page.locator('.el-table').first()).toContainText('qinlm')
  // Roles: never one's own, never an overseer's, and only the working roles to grant.
  const rolesOf = (name: string) => page.locator('.el-table__row', { hasText: name }).first().locator('.el-select')
  await expect(rolesOf('zgb').locator('.is-disabled').first()).toBeVisible()
  await expect(rolesOf('戴先波').locator('.is-disabled').first()).toBeVisible()
  await rolesOf('蒋芳').click()
  const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
  await expect(options.filter({ hasText: '纪委' })).toHaveClass(/is-disabled/)
  await expect(options.filter({ hasText: '组长' })).toHaveClass(/is-disabled/)
  await expect(options.filter({ hasText: '责任领导' })).not.toHaveClass(/is-disabled/)
  await page.keyboard.press('Escape')
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
