/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, against a
 * small cluster of real nodes. Skipped, and saying so, where no Chromium is installed, unless
 * CHORUS_REQUIRE_BROWSER=1 (set by .ci/run, which installs Chromium), which makes a missing
 * browser a failure. A screenshot goes to artifacts/dashboard.png.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { ApiServer } from '../../src/api/index.js'
import { LocalCluster } from '../../src/cluster/local-cluster.js'
import { serveApi } from '../../src/node/api-node.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { ROOT } from '../utils/cli.js'

const executable =
  process.env.CHORUS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-headless-shell'].find((p) => existsSync(p))

/** What the test reads of the page's globals. */
interface PageElement {
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number }
  querySelector(selector: string): PageElement | null
  readonly textContent: string | null
}
interface PageGlobals {
  readonly document: PageElement
  readonly chorusDashboard?: {
    readonly topics: Map<string, { epochs: number[]; network: number[]; weights: Record<string, number>[] }>
  }
}

let cluster: LocalCluster | undefined
let api: ApiServer | undefined
let browser: Browser | undefined
afterAll(async () => {
  await browser?.close()
  await api?.close()
  await cluster?.stop()
})

describe('the dashboard in a browser', () => {
  it('shows the running topic: inferences by epoch, and a weight line for every worker', async (ctx) => {
    if (executable === undefined) {
      if (process.env.CHORUS_REQUIRE_BROWSER === '1')
        throw new Error('Chromium is missing: apt-get install chromium (or set CHORUS_CHROMIUM)')
      ctx.skip('no Chromium installed (apt-get install chromium, or set CHORUS_CHROMIUM): browser test skipped')
    }
    const topic = parseTopicConfig(
      { id: 'browser', name: 'browser', epochMs: 250, groundTruth: 'synthetic:5' },
      'browser',
    )
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 1, workers: 3, reputers: 1 })
    api = await serveApi(cluster.coordinators()[0].node, cluster.genesis, '127.0.0.1:0')
    browser = await chromium.launch({ executablePath: executable, headless: true, args: ['--disable-gpu'] })
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } })
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
    page.on('pageerror', (err) => problems.push(err.message))
    await page.goto(`${api.url}/`)
    // The weights come once the topic has settled epochs (math.md §7): wait for every worker's.
    // Functions run in the page (through the DevTools protocol, which the page's CSP allows);
    // the test compiles without the DOM's types, hence the narrow views of `globalThis`.
    await page.waitForFunction(
      () => {
        const t = (globalThis as unknown as PageGlobals).chorusDashboard?.topics.get('browser')
        return t !== undefined && Object.keys(t.weights.at(-1) ?? {}).length === 3
      },
      undefined,
      { timeout: 60_000 },
    )
    const shown = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals
      const t = g.chorusDashboard?.topics.get('browser')
      const section = g.document.querySelector('section.topic[data-topic="browser"]')
      return {
        epochs: t?.epochs.length ?? 0,
        finite: t?.network.every((x) => Number.isFinite(x)) ?? false,
        canvases: section?.querySelectorAll('canvas').length ?? 0,
        workers: Object.keys(t?.weights.at(-1) ?? {}).map((id) => `${id.slice(0, 8)}…`),
        legend: [...(section?.querySelectorAll('.weights .u-legend .u-label') ?? [])].map((l) => l.textContent),
        height: Number(g.document.querySelector('#height')?.textContent),
      }
    })
    expect(shown.epochs).toBeGreaterThanOrEqual(3)
    expect(shown.finite).toBe(true)
    expect(shown.canvases).toBeGreaterThanOrEqual(3)
    // The weights chart has a line, with its legend label, for every worker.
    expect(shown.legend).toEqual(expect.arrayContaining(shown.workers))
    expect(shown.workers).toHaveLength(3)
    expect(shown.height).toBeGreaterThan(0)
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    await page.screenshot({ path: join(ROOT, 'artifacts', 'dashboard.png'), fullPage: true })
    expect(problems).toEqual([])
  }, 120_000)
})
