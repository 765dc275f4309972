import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { measureId, shoot, signIn } from './helpers'

// axe-core on every main page, in both languages, at desktop and phone width: no critical or
// serious violation. The app is served with a strict CSP, which axe's injected script needs
// bypassed in the test's browser (the CSP itself stays).
test.use({ bypassCSP: true })

interface Finding {
  page: string
  id: string
  impact: string
  help: string
  targets: string[]
}

/** Waits until the page has loaded its data, then runs axe and keeps its critical and serious findings. */
async function scan(page: Page, name: string, findings: Finding[], counts: Record<string, string>, shot: string) {
  await page.waitForLoadState('networkidle')
  await expect(page.locator('.el-loading-mask:visible')).toHaveCount(0)
  await shoot(page, `a11y-${shot}-${name}`)
  // (Legacy mode: axe runs in the page itself, without opening a page of its own per scan; the
  // app has no cross-origin frames.)
  const { violations } = await new AxeBuilder({ page }).setLegacyMode(true).analyze()
  const serious = violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')
  // Violated rules / elements that violate them.
  counts[name] = `${serious.length}/${serious.reduce((n, v) => n + v.nodes.length, 0)}`
  for (const v of serious)
    findings.push({
      page: name,
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    })
}

const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const

for (const [size, viewport] of Object.entries(VIEWPORTS)) {
  test.describe(size, () => {
    test.use({ viewport })
    for (const locale of ['zh-CN', 'en'] as const) {
      test(`axe finds nothing critical or serious (${locale}, ${size})`, async ({ page }) => {
        // Twelve pages scanned in one browser page.
        test.setTimeout(240_000)
        const findings: Finding[] = []
        const counts: Record<string, string> = {}
        await page.goto('/healthz')
        await page.evaluate((l) => {
          localStorage.removeItem('rectify.refresh')
          localStorage.setItem('rectify.locale', l)
        }, locale)
        await page.goto('/login')
        await expect(page.locator('input[name=username]')).toBeVisible()
        await scan(page, 'login', findings, counts, `${locale}-${size}`)

        await signIn(page, 'majp', locale)
        for (const path of ['/tasks', '/reviews', '/ledger', '/dashboard', '/bureau', '/audit', '/notifications']) {
          await page.goto(path)
          await scan(page, path.slice(1), findings, counts, `${locale}-${size}`)
        }
        await page.goto(`/measures/${await measureId(page, 6, 1)}`)
        await expect(page.getByTestId('signoffs')).toBeVisible()
        await scan(page, 'measure', findings, counts, `${locale}-${size}`)

        await signIn(page, 'zgb', locale)
        for (const path of ['/inspections', '/admin', '/import']) {
          await page.goto(path)
          await scan(page, path.slice(1), findings, counts, `${locale}-${size}`)
        }
        await page.goto('/inspections')
        await page.locator('.el-table__row').first().click()
        await expect(page).toHaveURL(/\/inspections\/\d+$/)
        await expect(page.locator('.category').first()).toBeVisible()
        await scan(page, 'inspection', findings, counts, `${locale}-${size}`)

        console.log(
          `axe critical+serious rules/elements (${locale}, ${size}): ` +
            Object.entries(counts)
              .map(([p, n]) => `${p} ${n}`)
              .join(', '),
        )
        const report = findings
          .map((f) => `[${f.page}] ${f.id} (${f.impact}): ${f.help}\n    ${f.targets.slice(0, 8).join('\n    ')}`)
          .join('\n')
        expect(findings.length, `critical or serious violations:\n${report}`).toBe(0)
      })
    }
  })
}
