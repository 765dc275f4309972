import { expect, test, type Page } from '@playwright/test'
import { PASSWORD, shoot } from './helpers'

// Everything with the keyboard alone: no click, no tap, only Tab, Enter, Escape and typing.

interface Focused {
  tag: string
  text: string
  test: string | null
  href: string | null
  name: string | null
  classes: string
  inDrawer: boolean
  /** Whether the focused element shows a focus ring (an outline, or Element Plus's own ring). */
  ring: boolean
}

function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null
    if (!e) return { tag: '', text: '', test: null, href: null, name: null, classes: '', inDrawer: false, ring: false }
    const style = getComputedStyle(e)
    const wrapper = e.closest('.el-input__wrapper, .el-select__wrapper, .el-textarea')
    const ring =
      (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') ||
      (!!wrapper && getComputedStyle(wrapper).boxShadow !== 'none')
    return {
      tag: e.tagName.toLowerCase(),
      text: (e.textContent ?? '').trim(),
      test: e.getAttribute('data-test'),
      href: e.getAttribute('href'),
      name: e.getAttribute('name'),
      classes: typeof e.className === 'string' ? e.className : '',
      inDrawer: !!e.closest('.el-drawer'),
      ring,
    }
  })
}

/** Presses Tab until the focused element is the one wanted (and says where focus went otherwise). */
async function tabTo(page: Page, wanted: (f: Focused) => boolean, what: string, max = 80) {
  const seen: string[] = []
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const f = await focused(page)
    if (wanted(f)) {
      expect(f.ring, `${what} shows where the focus is`).toBe(true)
      return f
    }
    seen.push(f.test ?? f.text.slice(0, 12) ?? f.tag)
  }
  throw new Error(`Tab never reached ${what}; focus went through: ${seen.join(' | ')}`)
}

const menuEntry =
  (label: string, drawer = false) =>
  (f: Focused) =>
    // (An entry holding work ends with its count: 我的任务 30.)
    f.classes.includes('nav-item') && f.text.replace(/\s*\d+$/, '').trim() === label && f.inDrawer === drawer

/** Signs in on the login page by typing. */
async function signIn(page: Page, username: string) {
  await page.goto('/healthz')
  await page.evaluate(() => {
    localStorage.removeItem('rectify.refresh')
    localStorage.setItem('rectify.locale', 'zh-CN')
  })
  await page.goto('/login')
  await expect(page.locator('input[name=username]')).toBeVisible()
  // The user name field has the focus when the page opens (or is the first field Tab reaches).
  const isUsername = (f: Focused) => f.tag === 'input' && f.name === 'username'
  if (!isUsername(await focused(page))) await tabTo(page, isUsername, 'the user name field')
  await page.keyboard.type(username)
  await page.keyboard.press('Tab')
  await page.keyboard.type(PASSWORD)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('user-menu')).toBeVisible()
}

test('desktop: every menu entry, a ledger row, a notification and a task with the keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  // The administrator's menu has every entry but the review queue (the phone test takes that one).
  await signIn(page, 'admin')
  for (const [label, path] of [
    ['我的任务', '/tasks'],
    ['整改台账', '/ledger'],
    ['挂图作战', '/dashboard'],
    ['整改办', '/inspections'],
    ['督导学校', '/bureau'],
    ['审计日志', '/audit'],
    ['系统管理', '/admin'],
  ]) {
    await tabTo(page, menuEntry(label), `the menu entry ${label}`)
    await page.keyboard.press('Enter')
    await expect(page).toHaveURL(new RegExp(`${path}(/\\d+)?$`))
  }

  // A ledger row opens from the keyboard.
  await signIn(page, 'zhanghc')
  await tabTo(page, menuEntry('整改台账'), 'the ledger in the menu')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('ledger-table').locator('.el-table__row').first()).toBeVisible()
  const row = await tabTo(page, (f) => f.test === 'ledger-link', 'the first row of the ledger')
  await shoot(page, 'keyboard-ledger-focus')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`${row.href}$`))

  // A notification: the bell, then the first message.
  await signIn(page, 'jiangf')
  await tabTo(page, (f) => f.test === 'bell', 'the notifications bell')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/\/notifications$/)
  await expect(page.getByTestId('notification').first()).toBeVisible()
  await tabTo(page, (f) => f.test === 'notification', 'the first notification')
  await shoot(page, 'keyboard-notification-focus')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/\/(measures|problems)\/\d+$/)

  // A task: the first one's button, then its primary action (asks for confirmation; Escape keeps it).
  await tabTo(page, menuEntry('我的任务'), 'my tasks in the menu')
  await page.keyboard.press('Enter')
  await expect(page.locator('.task').first()).toBeVisible()
  await tabTo(page, (f) => f.test === 'open-task', 'the first task')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/\/measures\/\d+$/)
  const status = await page.getByTestId('measure-status').textContent()
  await tabTo(page, (f) => f.test === 'submit', 'the measure’s submit button')
  await page.keyboard.press('Enter')
  const box = page.locator('.el-message-box')
  await expect(box).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(box).toBeHidden()
  await expect(page.getByTestId('measure-status')).toHaveText(status ?? '')
})

test('phone: the menu button opens the drawer, focus goes into it, Escape closes it', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'majp')
  const drawer = page.locator('.nav-drawer')
  const button = page.getByTestId('menu-button')
  await expect(button).toHaveAccessibleName('菜单')

  // Escape closes the drawer and gives the focus back to the menu button.
  await tabTo(page, (f) => f.test === 'menu-button', 'the menu button')
  await page.keyboard.press('Enter')
  await expect(drawer).toBeVisible()
  await expect.poll(async () => (await focused(page)).classes).toContain('nav-item')
  expect((await focused(page)).inDrawer).toBe(true)
  await shoot(page, 'phone-menu-drawer')
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
  await expect.poll(async () => (await focused(page)).test).toBe('menu-button')

  // Every entry of the bureau supervisor's menu, through the drawer.
  for (const [label, path] of [
    ['待我审核', '/reviews'],
    ['整改台账', '/ledger'],
    ['挂图作战', '/dashboard'],
    ['督导学校', '/bureau'],
    ['审计日志', '/audit'],
  ]) {
    await expect.poll(async () => (await focused(page)).test).toBe('menu-button')
    await page.keyboard.press('Enter')
    await expect(drawer).toBeVisible()
    // The opened drawer puts the focus on the current entry; tab on from there.
    await expect
      .poll(async () => {
        const f = await focused(page)
        return f.inDrawer && f.classes.includes('active')
      })
      .toBe(true)
    const f = await focused(page)
    if (!menuEntry(label, true)(f)) await tabTo(page, menuEntry(label, true), `the drawer's entry ${label}`)
    await page.keyboard.press('Enter')
    await expect(page).toHaveURL(new RegExp(`${path}(/\\d+)?$`))
    await expect(drawer).toBeHidden()
  }
})
