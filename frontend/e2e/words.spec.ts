import { expect, test, type Page } from '@playwright/test'
import { measureId, shoot, signIn } from './helpers'

// What each role reads on its screens: true figures and warnings, its own words, its work first.

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
)
/** Today in the school's time zone, as the server counts days. */
const today = () =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date())
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/

async function expectNoRawWords(page: Page) {
  const text = await page.locator('.main').innerText()
  for (const raw of ['approve', 'return', 'false', 'true', 'measure #', 'schema', 'undefined', 'null'])
    expect(text, `"${raw}" on the page`).not.toContain(raw)
}

test.describe.serial('a measure returned once, fixed and approved', () => {
  let id = 0
  test('the coordinator sees the reason on top, adds the evidence and is told who reviews next', async ({ page }) => {
    await signIn(page, 'zgb')
    id = await measureId(page, 3, 1)
    await page.goto(`/measures/${id}`)
    await expect(page.getByTestId('returned-reason')).toContainText('覃守生（审核）退回：佐证材料缺少党委会会议纪要')
    await page
      .locator('[data-test=evidence-drop] input[type=file]')
      .setInputFiles([{ name: '党委会会议纪要.pdf', mimeType: 'application/pdf', buffer: PDF }])
    await page.getByTestId('start-upload').click()
    await expect(page.getByTestId('evidence-table')).toContainText('党委会会议纪要')
    await page.getByTestId('submit').click()
    const box = page.locator('.el-message-box')
    await expect(box).toContainText('提交后将由 覃守生 审核')
    await box.getByRole('button', { name: '提交审核' }).click()
    await expect(page.getByTestId('measure-status')).toHaveText('待审核')
    await expect(page.getByTestId('returned-reason')).toHaveCount(0)
  })

  test('after the approval nothing says the evidence changed', async ({ page }) => {
    await signIn(page, 'qinss')
    await page.goto(`/measures/${id}`)
    await expect(page.getByTestId('approve')).toHaveText('审核通过')
    await page.getByTestId('approve').click()
    await expect(page.getByTestId('measure-status')).toHaveText('待审批')
    await expect(page.getByTestId('digest')).toHaveText('佐证材料与签核时一致')
    await expect(page.getByTestId('signoffs')).not.toContainText('签核已失效')
    // The decisions are named by their stage: 审核通过, 退回（审核）.
    await expect(page.getByTestId('signoffs')).toContainText('审核通过')
    await expect(page.getByTestId('signoffs')).toContainText('退回（审核）')
    await signIn(page, 'zhanghc')
    await page.goto(`/measures/${id}`)
    await expect(page.getByTestId('approve')).toHaveText('审批同意')
    await expect(page.getByTestId('digest')).toHaveText('佐证材料与签核时一致')
  })
})

test('each role lands where its work is, with counts on the menu', async ({ page }) => {
  for (const [user, path] of [
    ['zhanghc', '/reviews'],
    ['daixb', '/reviews'],
    ['majp', '/reviews'],
    ['jiangf', '/tasks'],
  ] as const) {
    await signIn(page, user)
    await expect(page).toHaveURL(new RegExp(`${path}$`))
    await expect(page.locator('.task').first()).toBeVisible()
    await page.waitForLoadState('networkidle')
    const entry = page.locator(`.aside [data-nav="${path}"]`)
    const shown = await page.locator('.task').count()
    await expect(entry.getByTestId('menu-count')).toHaveText(String(shown))
  }
})

test("a teacher's menu offers only what a teacher can use", async ({ page }) => {
  await signIn(page, 'jiangf')
  await expect(page.locator('.aside')).toContainText('整改台账')
  await expect(page.locator('.aside')).not.toContainText('挂图作战')
  await page.goto('/dashboard')
  await expect(page.getByTestId('message')).toContainText('无权访问此页面')
})

test('the due-soon figure, its list and the ledger agree', async ({ page }) => {
  await signIn(page, 'zhanghc')
  await page.goto('/dashboard')
  const figure = Number(await page.getByTestId('due-soon').locator('.el-statistic__number').innerText())
  const list = page.getByTestId('due-soon-list')
  await expect(list.locator('.el-card__header')).toContainText(`（${figure}）`)
  expect(figure).toBeGreaterThan(1)
  // The list names the problem of each measure: 5.① …
  await expect(list.locator('.item a').first()).toHaveText(/^\d+\.[①-⑳]/)
  await expect(list.locator('.item')).toHaveCount(Math.min(figure, 10))
  if (figure > 10) {
    await list.getByTestId('more').click()
    await expect(page.getByTestId('pager')).toContainText(`共 ${figure} 条`)
    await expect(page.getByTestId('filter-due-soon')).toHaveText('7 天内到期')
  }
  await shoot(page, 'zh-CN-dashboard-lists')
})

test('look-back tasks show the look-back date, not the deadline', async ({ page }) => {
  await signIn(page, 'daixb')
  await page.goto('/reviews')
  const card = page.locator('.task[data-kind=lookback_due]').first()
  await expect(card.getByTestId('task-due')).toContainText('回头看日期')
  await expect(card.getByTestId('task-due')).toContainText(today())
})

test('the audit log and the timeline speak of people, objects and stages', async ({ page }) => {
  await signIn(page, 'daixb')
  await page.goto('/audit')
  const table = page.getByTestId('audit-table')
  await expect(table).toContainText(/张红昌（[^）]*校长）/)
  await expect(table).toContainText(/\d+\.[①-⑳] /)
  await expect(table).toContainText('核验通过')
  await expectNoRawWords(page)
  // The action filter is a choice list; the dates say which end is which.
  await expect(page.getByPlaceholder('开始日期')).toBeVisible()
  await page.getByTestId('audit-action').click()
  await page.getByRole('option', { name: '上传佐证材料' }).click()
  await page.getByRole('button', { name: '查询' }).click()
  await expect(table.locator('.el-table__body tr').first()).toContainText('上传佐证材料')
  await expect(table.locator('.el-table__body tr').first()).toContainText('.pdf')
  const time = await table.locator('.el-table__body tr').first().locator('td').nth(1).innerText()
  expect(time.trim()).toMatch(DATE_TIME)
  await shoot(page, 'zh-CN-audit-words')
  // A measure's timeline: names for ids (责任人: 覃立明, not 10).
  await page.goto(`/measures/${await measureId(page, 6, 1)}`)
  const timeline = page.getByTestId('timeline')
  await expect(timeline).toContainText('核验通过')
  await expect(timeline).toContainText('上传佐证材料')
  await expect(timeline.locator('.el-timeline-item__timestamp').first()).toHaveText(DATE_TIME)
  await expectNoRawWords(page)
})

test('forms say what is missing at the field, in Chinese, before anything is sent', async ({ page }) => {
  const sent: string[] = []
  page.on('request', (r) => r.url().includes('/extensions') && r.method() === 'POST' && sent.push(r.url()))
  await signIn(page, 'jiangf')
  await page.goto(`/measures/${await measureId(page, 4, 2)}`)
  await page.getByTestId('request-extension').click()
  await page.getByTestId('send-extension').click()
  const dialog = page.locator('.el-dialog').filter({ hasText: '申请延期' })
  await expect(dialog.locator('.el-form-item__error')).toHaveText(['必填', '必填'])
  expect(sent).toEqual([])
  await expect(dialog).not.toContainText('schema')
})

test('the leader decides an extension with an opinion, seeing who asked', async ({ page }) => {
  await signIn(page, 'zhanghc')
  await page.goto(`/measures/${await measureId(page, 4, 2)}`)
  await page.getByTestId('decide-extension').click()
  const dialog = page.locator('.el-dialog').filter({ hasText: '审批延期申请' })
  await expect(dialog).toContainText('申请人')
  await dialog.getByTestId('reject-extension').click()
  await expect(dialog.locator('.el-form-item__error')).toHaveText('不批准须填写意见')
  await dialog.getByTestId('extension-comment').fill('同意延期，请按新时限完成。')
  await dialog.getByTestId('approve-extension').click()
  await expect(page.locator('[data-test=decide-extension]')).toHaveCount(0)
  await expect(page.locator('.section').filter({ hasText: '延期申请' })).toContainText('同意延期，请按新时限完成。')
})

test('a reviewer decides several sign-offs at once, seeing each one’s evidence', async ({ page }) => {
  await signIn(page, 'zhanghc')
  await page.goto('/reviews')
  const signs = page.locator('.task[data-kind=sign]')
  await expect(signs.first()).toBeVisible()
  const n = await signs.count()
  expect(n).toBeGreaterThan(1)
  for (let i = 0; i < n; i++) await signs.nth(i).getByTestId('task-select').click()
  await page.getByTestId('batch-review').click()
  const dialog = page.getByTestId('batch-dialog')
  await expect(dialog.getByTestId('batch-row')).toHaveCount(n)
  await expect(dialog.getByTestId('batch-row').first()).toContainText('佐证材料')
  await shoot(page, 'zh-CN-batch-review')
  await page.getByTestId('batch-approve').click()
  await expect(dialog.getByTestId('batch-result')).toHaveText(Array(n).fill('审批同意'))
  await page.locator('.el-dialog__footer').getByRole('button', { name: '关闭' }).click()
  await expect(page.locator('.task[data-kind=sign]')).toHaveCount(0)
})

test('a teacher finds one task among many and filters notifications', async ({ page }) => {
  await signIn(page, 'jiangf')
  await expect(page.locator('.task').first()).toBeVisible()
  const all = await page.locator('.task').count()
  const title = (await page.locator('.task .task-title').first().innerText()).split(' ').slice(1).join(' ')
  await page.getByPlaceholder('搜索问题或措施').fill(title)
  await expect(page.locator('.task').first()).toContainText(title)
  expect(await page.locator('.task').count()).toBeLessThanOrEqual(all)
  await page.getByPlaceholder('搜索问题或措施').fill('不存在的措施名称')
  await expect(page.locator('.task')).toHaveCount(0)
  await expect(page.locator('.el-empty')).toContainText('没有符合条件的事项')
  await page.goto('/notifications')
  const notes = page.getByTestId('notification')
  await expect(notes.first()).toBeVisible()
  // Notifications name the problem: 4.② …, not just ②.
  await expect(notes.first().locator('.msg')).toHaveText(/\d+\.[①-⑳]/)
  await page.getByTestId('notification-type').click()
  await page.getByRole('option', { name: '指派' }).click()
  await expect(notes.first()).toContainText('你被指派负责整改措施')
  for (const text of await notes.locator('.msg').allInnerTexts()) expect(text).toContain('指派')
  await expect(notes.first().locator('.muted')).toHaveText(DATE_TIME)
})

test('the administration pages name the organisation and speak Chinese', async ({ page }) => {
  await signIn(page, 'zgb')
  await page.goto('/admin')
  await expect(page.locator('.el-table__header').first()).toContainText('单位')
  await expect(page.locator('.el-table__body').first()).toContainText('长阳土家族自治县职业教育中心')
  await page.getByRole('tab', { name: 'API 令牌' }).click()
  await expect(page.locator('.el-tab-pane:visible .el-table__header')).toContainText('令牌前缀')
  await expect(page.locator('.main')).not.toContainText('prefix')
})
