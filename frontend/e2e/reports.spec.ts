import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { shoot, signIn } from './helpers'

// axe's injected script needs the CSP bypassed in the test's browser (the CSP itself stays).
test.use({ bypassCSP: true })

/** The critical and serious axe findings of what the page shows, as `rule: elements`. */
async function axe(page: Page): Promise<string[]> {
  await page.waitForLoadState('networkidle')
  const { violations } = await new AxeBuilder({ page }).setLegacyMode(true).analyze()
  return violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

test('the coordinator drafts the public report, withholds a measure and prints it; the group leader releases it', async ({
  page,
}) => {
  await signIn(page, 'zgb')
  await page.goto('/reports')
  await expect(page.getByRole('heading', { name: '整改情况报告' })).toBeVisible()
  await page.getByTestId('report-create').click()
  // A first draft made from the ledger: the whole ledger inside, all of it public so far.
  await expect(page.getByText('内部稿：3 个方面、30 个问题、105 条措施')).toBeVisible()
  await expect(page.getByText('公开稿：3 个方面、30 个问题、105 条措施')).toBeVisible()

  // The free text and the document number, saved with the version read.
  await page.getByRole('tab', { name: '编辑文字' }).click()
  const form = page.getByTestId('report-form')
  await form.getByLabel('发文字号').fill('长职组〔2021〕20号')
  await page.getByTestId('process-text').fill('学校党委严格执行整改程序，逐项对账销号。')
  // A word to mask, entered twice, is listed once.
  for (let i = 0; i < 2; i++) {
    await page.getByTestId('redaction-term').fill('张达政')
    await page.getByTestId('redaction-term').press('Enter')
  }
  await expect(form.locator('.terms .el-tag')).toHaveText(['张达政'])
  await expect(page.locator('.el-message').filter({ hasText: '“张达政”已在列表中' })).toBeVisible()
  await page.getByTestId('report-save').click()
  await expect(page.locator('.el-message--success').filter({ hasText: '已保存' })).toBeVisible()

  // One measure not for publication: struck through on the left, gone from the public edition.
  await page.getByRole('tab', { name: '内部稿与公开稿对照' }).click()
  const compare = page.getByTestId('report-compare')
  await expect(compare).toContainText('长职组〔2021〕20号')
  // The masked word is marked in the internal edition and hidden in the public one.
  await expect(compare.locator('mark.mask').filter({ hasText: '张达政' }).first()).toBeVisible()
  await compare.getByTestId('withhold').nth(1).click()
  await expect(page.getByText('公开稿：3 个方面、30 个问题、104 条措施')).toBeVisible()
  await expect(compare.getByText('（不公开）')).toHaveCount(1)
  await expect(compare.locator('.para.withheld')).toHaveCount(1)
  await shoot(page, 'zh-CN-report-compare')

  // The print view shows the public edition as it will be printed.
  await page.getByRole('tab', { name: '打印预览' }).click()
  const sheet = page.frameLocator('[data-test=print-frame]')
  await expect(sheet.getByText('关于巡察反馈问题整改情况的报告').first()).toBeVisible()
  await expect(sheet.getByText('（社会公开稿）')).toBeVisible()
  // (Not through shoot(): a document in a frame keeps Chromium's network from counting as idle.)
  await page.screenshot({ path: 'screenshots/zh-CN-report-print.png', fullPage: true, animations: 'disabled' })

  // The Word document downloads under its Chinese name.
  await page.getByTestId('report-download').click()
  const download = page.waitForEvent('download')
  await page.getByTestId('report-docx').click()
  expect((await download).suggestedFilename()).toMatch(/\.docx$/)

  // The leader of the leading group releases it; it is frozen with its digest.
  await signIn(page, 'zhanghc')
  await page.goto('/reports')
  await expect(page.getByTestId('report-create')).toHaveCount(0)
  await page.getByTestId('report-release').click()
  await page.locator('.el-message-box').getByRole('button', { name: '审定发布' }).click()
  const released = page.getByTestId('report-released')
  await expect(released).toContainText('张红昌')
  await expect(released).toContainText(/校验码（SHA-256）：[0-9a-f]{64}/)
  await expect(page.getByTestId('report-release')).toHaveCount(0)
  await shoot(page, 'zh-CN-report-released')
})

test('the ledger exports what its filters show as an Excel 台账', async ({ page }) => {
  await signIn(page, 'zgb')
  await page.goto('/ledger')
  await expect(page.locator('.el-table__row').first()).toBeVisible()
  await page.getByTestId('export').click()
  const download = page.waitForEvent('download')
  await page.getByTestId('export-xlsx').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/\.xlsx$/)
  const bytes = await (await file.createReadStream())!.toArray()
  // An XLSX is a zip: it starts with PK.
  expect(Buffer.concat(bytes).subarray(0, 2).toString()).toBe('PK')
})

test('the report page has nothing critical or serious for axe, on desktop and on a phone', async ({ page }) => {
  await signIn(page, 'zgb')
  await page.goto('/reports')
  // The next version, a draft, so that every part of the page shows.
  await page.getByTestId('report-create').click()
  await expect(page.getByTestId('report-compare')).toBeVisible()
  expect(await axe(page)).toEqual([])
  await page.getByRole('tab', { name: '编辑文字' }).click()
  await expect(page.getByTestId('report-form')).toBeVisible()
  expect(await axe(page)).toEqual([])
  await shoot(page, 'zh-CN-report-edit')

  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto('/reports')
  await expect(page.getByTestId('report-compare')).toBeVisible()
  // One edition at a time on a phone, chosen by a switch.
  await expect(page.getByRole('radio', { name: '社会公开稿' })).toBeChecked()
  expect(await axe(page)).toEqual([])
  await shoot(page, 'zh-CN-phone-report')
})
