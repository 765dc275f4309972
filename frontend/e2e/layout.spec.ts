import { expect, test, type Locator, type Page } from '@playwright/test'
import { expectNoHorizontalScroll, measureId, shoot, signIn } from './helpers'

// A small but real PDF: what a teacher scans and uploads.
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
)

/** The element lies wholly inside the window. */
async function expectInViewport(page: Page, element: Locator) {
  const { width, height } = page.viewportSize()!
  const box = (await element.boundingBox())!
  expect(box.x).toBeGreaterThanOrEqual(0)
  expect(box.y).toBeGreaterThanOrEqual(0)
  expect(box.x + box.width).toBeLessThanOrEqual(width)
  expect(box.y + box.height).toBeLessThanOrEqual(height)
}

/** An open dialog starts near the top of the window and its footer buttons are in sight. */
async function expectDialogFits(page: Page) {
  const dialog = page.locator('.el-dialog:visible')
  await expect(dialog).toHaveCount(1)
  const buttons = dialog.locator('.el-dialog__footer button')
  await expect(buttons.first()).toBeVisible()
  for (const button of await buttons.all()) await expectInViewport(page, button)
  // A small top margin (Element Plus's 15 % leaves too little of a 900 px window).
  const box = (await dialog.boundingBox())!
  expect(box.y).toBeLessThanOrEqual(page.viewportSize()!.height * 0.06)
  return dialog
}

test('dialogs fit a 1440×900 window: the footer buttons stay in sight', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await signIn(page, 'zgb')
  await page.goto(`/measures/${await measureId(page, 4, 2)}`)

  // The coordinator's measure editor, its body scrolling when the fields are longer than the window.
  await page.getByTestId('edit-measure').click()
  const editor = await expectDialogFits(page)
  await expect(editor.getByTestId('save-measure')).toBeVisible()
  await shoot(page, 'zh-CN-dialog-edit-measure')
  await editor.getByRole('button', { name: '取消' }).click()
  await expect(page.locator('.el-dialog:visible')).toHaveCount(0)

  // The extension request.
  await page.getByRole('button', { name: '申请延期' }).click()
  const extension = await expectDialogFits(page)
  await expect(extension.getByRole('button', { name: '确定' })).toBeVisible()
  await extension.getByRole('button', { name: '取消' }).click()
  await expect(page.locator('.el-dialog:visible')).toHaveCount(0)
})

test('on a phone the evidence shows its 文号 readably, and the upload fields have labels', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'jiangf')
  await page.goto(`/measures/${await measureId(page, 4, 2)}`)
  await page
    .locator('[data-test=evidence-drop] input[type=file]')
    .setInputFiles([{ name: '走访企业签到表.pdf', mimeType: 'application/pdf', buffer: PDF }])
  const pending = page.getByTestId('pending-file')
  await expect(pending).toHaveCount(1)
  // Each field has a visible label (not only a placeholder), which names it.
  for (const label of ['材料名称', '文号', '成文日期']) {
    await expect(pending.locator('label').getByText(label, { exact: true })).toBeVisible()
    await expect(pending.getByLabel(label, { exact: true })).toBeVisible()
  }
  await expect(pending.getByLabel('材料名称', { exact: true })).toHaveValue('走访企业签到表')
  await pending.getByLabel('文号', { exact: true }).fill('职教办〔2021〕12号')
  await shoot(page, 'phone-evidence-pending')
  await page.getByTestId('start-upload').click()

  // The list is one card per document on a phone, with the 文号 in full.
  const cards = page.getByTestId('evidence-cards')
  await expect(cards).toContainText('走访企业签到表')
  await expect(page.getByTestId('evidence-table')).toHaveCount(0)
  const number = cards.getByTestId('evidence-card-number').filter({ hasText: '职教办〔2021〕12号' })
  await expect(number).toHaveText('职教办〔2021〕12号')
  await number.scrollIntoViewIfNeeded()
  await expectInViewport(page, number)
  expect(await number.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(1)
  await expectNoHorizontalScroll(page)
  await shoot(page, 'phone-evidence-cards')
})
