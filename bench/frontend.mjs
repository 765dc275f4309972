// Measures what the login and ledger pages load and how soon the ledger is usable (see frontend.sh).
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'

// Playwright comes from the web app's dependencies.
const require = createRequire(new URL('../frontend/package.json', import.meta.url))
const { chromium } = require('@playwright/test')

const base = process.env.BASE
const RUNS = 7
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
})

const kb = (n) => (n / 1000).toFixed(1) + ' kB'
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Scripts and styles a page loads, with their gzip sizes (level 6) and what was transferred. */
async function assets(page, action) {
  const seen = []
  const onResponse = (r) => {
    const type = r.request().resourceType()
    if (type === 'script' || type === 'stylesheet') seen.push(r)
  }
  page.on('response', onResponse)
  await action()
  await page.waitForLoadState('networkidle')
  page.off('response', onResponse)
  const sums = { script: [0, 0, 0], stylesheet: [0, 0, 0] }
  for (const r of seen) {
    const body = await r.body()
    const sizes = await r.request().sizes()
    const s = sums[r.request().resourceType()]
    s[0] += body.length
    s[1] += gzipSync(body, { level: 6 }).length
    s[2] += sizes.responseBodySize
  }
  return { files: seen.length, sums }
}

function report(name, a) {
  const [js, css] = [a.sums.script, a.sums.stylesheet]
  console.log(
    `${name}: ${a.files} files; JS ${kb(js[1])} gzip (${kb(js[0])} raw, ${kb(js[2])} sent); ` +
      `CSS ${kb(css[1])} gzip (${kb(css[0])} raw, ${kb(css[2])} sent)`,
  )
}

async function signedInContext() {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 850 } })
  const page = await context.newPage()
  const login = await (
    await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'zhanghc', password: 'Rectify@2021' }),
    })
  ).json()
  await page.goto(`${base}/healthz`)
  await page.evaluate((t) => localStorage.setItem('rectify.refresh', t), login.refresh_token)
  return { context, page }
}

// 1. What the login page loads.
{
  const context = await browser.newContext({ locale: 'zh-CN' })
  const page = await context.newPage()
  report('login page', await assets(page, () => page.goto(`${base}/login`)))
  await context.close()
}

// 2. What the ledger page loads, signed in, cold cache.
{
  const { context, page } = await signedInContext()
  report('ledger page (cold, includes the app shell)', await assets(page, () => page.goto(`${base}/ledger`)))
  await context.close()
}

// 3. Time until the ledger is interactive: rows of the 105 measures shown with the total and the
//    filters usable, from the start of navigation. Cold (new browser context) and warm (reload).
const phases = { rows: [], filter: [] }
async function ledgerTime(page, go) {
  const t0 = Date.now()
  await go()
  await page.locator('.el-table__body tr').nth(19).waitFor()
  await page.getByText('共 105 条').waitFor()
  phases.rows.push(Date.now() - t0)
  const t1 = Date.now()
  await page.locator('[data-test=filter-status]').click()
  await page.getByRole('option', { name: '已完成', exact: true }).waitFor()
  phases.filter.push(Date.now() - t1)
  return Date.now() - t0
}
const cold = []
const warm = []
const baseline = []
for (let i = 0; i < RUNS; i++) {
  const { context, page } = await signedInContext()
  let t = Date.now()
  await page.goto(`${base}/healthz`)
  baseline.push(Date.now() - t)
  cold.push(await ledgerTime(page, () => page.goto(`${base}/ledger`)))
  warm.push(await ledgerTime(page, () => page.reload()))
  await context.close()
}
const b = median(baseline)
console.log(`baseline: navigation to /healthz, median of ${RUNS}: ${b} ms`)
console.log(`ledger interactive, cold cache, median of ${RUNS}: ${median(cold)} ms (max ${Math.max(...cold)}; ${(median(cold) / Math.max(b, 1)).toFixed(1)}× baseline)`)
console.log(`ledger interactive, warm cache, median of ${RUNS}: ${median(warm)} ms (max ${Math.max(...warm)}; ${(median(warm) / Math.max(b, 1)).toFixed(1)}× baseline)`)
console.log(`  of which rows and total shown: median ${median(phases.rows)} ms; filter opens: median ${median(phases.filter)} ms`)
await browser.close()
