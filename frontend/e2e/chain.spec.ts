import { expect, test, type Page } from '@playwright/test'
import { measureId, shoot, signIn } from './helpers'

// A small but real PDF: what a teacher scans and uploads.
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
)

async function status(page: Page) {
  return page.getByTestId('measure-status')
}

test.describe.serial('the sign-off chain, from the teacher to the bureau', () => {
  let measure = 0
  let problemUrl = ''

  test('a teacher uploads evidence and submits', async ({ page }) => {
    await signIn(page, 'jiangf')
    measure = await measureId(page, 18, 2)
    await page.goto(`/measures/${measure}`)
    await page.locator('[data-test=evidence-drop] input[type=file]').setInputFiles([
      { name: '借支清收台账.pdf', mimeType: 'application/pdf', buffer: PDF },
      { name: '清收通知.pdf', mimeType: 'application/pdf', buffer: PDF },
    ])
    await expect(page.getByTestId('pending-file')).toHaveCount(2)
    await page.getByTestId('evidence-number').first().fill('职教财〔2021〕3号')
    await page.getByTestId('start-upload').click()
    await expect(page.getByTestId('evidence-table')).toContainText('借支清收台账')
    await expect(page.getByTestId('evidence-table')).toContainText('职教财〔2021〕3号')
    await expect(page.getByTestId('evidence-table')).toContainText('清收通知')
    // The teacher sees no review actions, even on their own submitted work.
    await page.getByTestId('submit').click()
    // The confirmation names who reviews next.
    const box = page.locator('.el-message-box')
    await expect(box).toContainText('覃守生 审核')
    await box.getByRole('button', { name: '提交审核' }).click()
    await expect(await status(page)).toHaveText('待审核')
    await expect(page.getByTestId('review-actions')).toHaveCount(0)
  })

  test('the responsible leader approves it from the review queue', async ({ page }) => {
    await signIn(page, 'qinss')
    await page.goto('/reviews')
    const card = page.locator(`.task[data-measure="${measure}"]`)
    await expect(card).toContainText('待审核')
    await card.getByRole('button').click()
    await expect(page.getByTestId('digest')).toHaveCount(0)
    await page.getByTestId('preview').first().click()
    await expect(page.getByTestId('preview-pdf')).toBeVisible()
    await page.keyboard.press('Escape')
    await page.getByTestId('approve').click()
    await expect(await status(page)).toHaveText('待审批')
  })

  test('the leader signs and the discipline committee verifies', async ({ page }) => {
    await signIn(page, 'zhanghc')
    await page.goto(`/measures/${measure}`)
    await page.getByTestId('approve').click()
    await expect(await status(page)).toHaveText('待核验')
    await signIn(page, 'daixb')
    await page.goto(`/measures/${measure}`)
    await expect(page.getByTestId('digest')).toHaveText('佐证材料与签核时一致')
    await page.getByTestId('approve').click()
    await expect(await status(page)).toHaveText('已完成')
  })

  test('the coordinator asks for close-out and the bureau closes the problem', async ({ page }) => {
    await signIn(page, 'zgb')
    await page.goto(`/measures/${measure}`)
    await page.getByRole('button', { name: '查看所属问题' }).click()
    await expect(page).toHaveURL(/\/problems\/\d+$/)
    problemUrl = page.url()
    await page.getByTestId('request-closeout').click()
    // Consequential acts ask first, saying what will happen.
    await expect(page.locator('.el-message-box')).toContainText('教育局审定')
    await page.locator('.el-message-box').getByRole('button', { name: '申请销号' }).click()
    await expect(page.getByTestId('closeout-status')).toHaveText('待销号')
    await signIn(page, 'majp')
    await page.goto('/bureau')
    await expect(page.getByTestId('bureau-queue')).toContainText('国有资产租赁收入上缴不及时问题')
    await page.goto(problemUrl)
    await page.getByTestId('close-out').click()
    await page.locator('.el-message-box').getByRole('button', { name: '同意销号' }).click()
    await expect(page.getByTestId('closeout-status')).toHaveText('已销号')
  })

  test('a closed-out problem is read-only until the bureau reopens it, with a reason', async ({ page }) => {
    // The teacher finds the measure read-only and says why, with no upload offered.
    await signIn(page, 'jiangf')
    await page.goto(`/measures/${measure}`)
    await expect(page.getByTestId('locked')).toContainText('该问题已销号')
    await expect(page.locator('[data-test=evidence-drop]')).toHaveCount(0)
    // The coordinator is offered no reopening; the bureau is, and must give its reason.
    await signIn(page, 'zgb')
    await page.goto(problemUrl)
    await expect(page.getByTestId('locked')).toBeVisible()
    await expect(page.getByTestId('reopen')).toHaveCount(0)
    await signIn(page, 'majp')
    await page.goto(problemUrl)
    const form = page.getByTestId('reopen')
    await form.getByTestId('reopen-button').click()
    await expect(form.locator('.el-form-item__error')).toHaveText('必填')
    await expect(page.locator('.el-message-box')).toHaveCount(0)
    await form.locator('textarea').fill('抽查发现借支清收台账未附签字')
    await form.locator('.el-select').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '②' }).click()
    await page.keyboard.press('Escape')
    await shoot(page, 'problem-reopen-zh-CN')
    await form.getByTestId('reopen-button').click()
    await expect(page.locator('.el-message-box')).toContainText('所选措施退回整改')
    await page.locator('.el-message-box').getByRole('button', { name: '重新打开' }).click()
    await expect(page.getByTestId('closeout-status')).toHaveText('未销号')
    await expect(page.getByTestId('locked')).toHaveCount(0)
    // The measure is back with the teacher, who can add evidence again.
    await signIn(page, 'jiangf')
    await page.goto(`/measures/${measure}`)
    await expect(await status(page)).toHaveText('整改中')
    await expect(page.locator('[data-test=evidence-drop]')).toBeVisible()
  })
})

test('a returned measure shows the teacher why', async ({ page }) => {
  await signIn(page, 'qinss')
  const id = await measureId(page, 6, 4)
  await page.goto(`/measures/${id}`)
  await expect(await status(page)).toHaveText('待审核')
  // A return needs a reason: the 意见 field says so, before anything is sent.
  await expect(page.getByTestId('review-actions')).toContainText('意见')
  await expect(page.getByTestId('approve')).toHaveText('审核通过')
  await page.getByTestId('return').click()
  await expect(page.getByTestId('review-actions').locator('.el-form-item__error')).toHaveText('退回须填写意见')
  await page.getByTestId('decision-comment').fill('请补充企业走访签到表和照片。')
  await page.getByTestId('return').click()
  await page.locator('.el-message-box').getByRole('button', { name: '退回' }).click()
  await expect(await status(page)).toHaveText('整改中')
  await signIn(page, 'jiangf')
  const card = page.locator(`.task[data-measure="${id}"]`)
  await expect(card.getByTestId('returned-reason')).toContainText('请补充企业走访签到表和照片。')
  // The reason is at the top of the measure's page too.
  await card.getByRole('button').click()
  await expect(page.getByTestId('returned-reason')).toContainText('覃守生（审核）退回：请补充企业走访签到表和照片。')
  // The teacher answers in the measure's comments.
  const comments = page.getByTestId('comments')
  await comments.locator('textarea').fill('签到表已找到，明天补传。')
  await comments.getByRole('button').click()
  await expect(comments).toContainText('蒋芳')
  await expect(comments).toContainText('签到表已找到，明天补传。')
})

test('a change made by someone else is not overwritten: the user is offered a reload', async ({ page, request }) => {
  await signIn(page, 'jiangf')
  const id = await measureId(page, 4, 2)
  await page.goto(`/measures/${id}`)
  await expect(page.getByTestId('progress-input')).toBeVisible()
  // Meanwhile the coordinator records progress on the same measure.
  const login = await (
    await request.post('/api/v1/auth/login', { data: { username: 'zgb', password: 'Rectify@2021' } })
  ).json()
  const auth = { Authorization: `Bearer ${login.access_token}` }
  const current = await (await request.get(`/api/v1/measures/${id}`, { headers: auth })).json()
  const r = await request.patch(`/api/v1/measures/${id}/progress`, {
    headers: { ...auth, 'If-Match': `"${current.version}"` },
    data: { progress: '整改办：已与学生处对接，主题教育安排在开学第一周。' },
  })
  expect(r.status()).toBe(200)
  await page.getByTestId('progress-input').fill('我的进展')
  await page.getByRole('button', { name: '更新进展' }).click()
  const box = page.locator('.el-message-box')
  await expect(box).toContainText('此记录已被他人修改')
  await box.getByRole('button', { name: '重新加载' }).click()
  await expect(page.locator('.facts')).toContainText('整改办：已与学生处对接')
  // The timeline says what the coordinator's entry replaced.
  await expect(page.getByTestId('change').last()).toContainText('整改进展：')
  await expect(page.getByTestId('change').last()).toContainText('→ 整改办：已与学生处对接')
  await page.getByTestId('change').last().scrollIntoViewIfNeeded()
  await shoot(page, 'zh-CN-measure-timeline')
})
