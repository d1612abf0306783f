/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, against a
 * small cluster of real nodes. Skipped, and saying so, where no Chromium is installed, unless
 * CHORUS_REQUIRE_BROWSER=1 (set by .ci/run, which installs Chromium), which makes a missing
 * browser a failure. A screenshot goes to artifacts/dashboard.png.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { ApiServer } from '../../src/api/index.js'
import { LocalCluster } from '../../src/cluster/local-cluster.js'
import { serveApi } from '../../src/node/api-node.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { ROOT } from '../utils/cli.js'
import { launchChromium, requireChromium } from './chromium.js'

/** What the test reads of the page's globals. */
interface PageElement {
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number }
  querySelector(selector: string): PageElement | null
  readonly textContent: string | null
}
interface PageGlobals {
  readonly document: PageElement
  readonly chorusDashboard?: {
    readonly topics: Map<
      string,
      {
        epochs: number[]
        network: number[]
        truth: (number | null)[]
        weights: Record<string, number>[]
        lossEpochs: number[]
      }
    >
    readonly commits: { round: number; signers: string[] }[]
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
  it('shows the running topic (inferences and truth by epoch, a weight line for every worker) and the network', async (ctx) => {
    requireChromium(ctx)
    const topic = parseTopicConfig(
      { id: 'browser', name: 'browser', epochMs: 250, groundTruth: 'synthetic:5' },
      'browser',
    )
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 1, workers: 3, reputers: 1 })
    api = await serveApi(cluster.coordinators()[0].node, cluster.genesis, '127.0.0.1:0', cluster.groundTruth)
    browser = await launchChromium()
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
        const peers = (globalThis as unknown as PageGlobals).document.querySelectorAll('#peers-table tbody tr')
        return (
          t !== undefined &&
          Object.keys(t.weights.at(-1) ?? {}).length === 3 &&
          t.truth.some((x) => x !== null) &&
          peers.length > 0
        )
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
        shareSum: Object.values(t?.weights.at(-1) ?? {}).reduce((a, b) => a + b, 0),
        legend: [...(section?.querySelectorAll('.weights .u-legend .u-label') ?? [])].map((l) => l.textContent),
        height: Number(g.document.querySelector('#height')?.textContent),
        truths: t?.truth.filter((x) => x !== null).length ?? 0,
        gain: section?.querySelector('.gain')?.textContent ?? '',
        settled: t?.lossEpochs.length ?? 0,
        workerRows: section?.querySelectorAll('.workers tbody tr').length ?? 0,
        roundRows: g.document.querySelectorAll('#rounds tbody tr').length,
        signers: g.chorusDashboard?.commits.at(-1)?.signers.length ?? 0,
        topicRows: [...g.document.querySelectorAll('#topic-weights tbody tr')].map((r) => r.textContent),
        peerRoles: [...g.document.querySelectorAll('#peers-table tbody tr')].map(
          (r) => r.querySelector('td:nth-child(3)')?.textContent,
        ),
      }
    })
    expect(shown.epochs).toBeGreaterThanOrEqual(3)
    expect(shown.finite).toBe(true)
    expect(shown.canvases).toBeGreaterThanOrEqual(3)
    // The weights chart has a line, with its legend label, for every worker.
    expect(shown.legend).toEqual(expect.arrayContaining(shown.workers))
    expect(shown.workers).toHaveLength(3)
    // The lines are the workers' shares of the weight.
    expect(shown.shareSum).toBeCloseTo(1, 9)
    expect(shown.height).toBeGreaterThan(0)
    // The ground truth is drawn next to the inferences; every worker has a row in the workers table.
    expect(shown.truths).toBeGreaterThan(0)
    // The gain so far: the network against the naive inference and the best single worker.
    expect(shown.gain).toMatch(
      new RegExp(
        `^Gain so far, over ${shown.settled} settled epochs: the network's mean loss \\S+ is \\d+\\.\\d% (below|above) the naive inference's, \\d+\\.\\d% (below|above) the best single worker [0-9a-f]{8}…`,
      ),
    )
    expect(shown.workerRows).toBe(3)
    // One coordinator: every height is signed by it alone; its peers are the workers and the reputer.
    expect(shown.roundRows).toBeGreaterThan(0)
    expect(shown.signers).toBe(1)
    expect(shown.peerRoles.sort()).toEqual(['reputer', 'worker', 'worker', 'worker'])
    // The economy: the running topic, active.
    expect(shown.topicRows).toEqual([expect.stringMatching(/^browser.*yes/)])
    // The epoch detail view of a settled epoch: inferences, forecasts, losses, the certificate.
    const settledEpoch = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).chorusDashboard?.topics.get('browser')?.lossEpochs[0],
    )
    expect(settledEpoch).toBeGreaterThanOrEqual(0)
    await page.fill('#epoch-number', String(settledEpoch))
    await page.click('#epoch-form button')
    await page.waitForSelector('#epoch-view table.epoch-certificate')
    const detail = await page.evaluate(() => {
      const d = (globalThis as unknown as PageGlobals).document
      const count = (selector: string) => d.querySelectorAll(selector).length
      return {
        inferences: count('#epoch-view .epoch-inferences tbody tr'),
        forecastTables: count('#epoch-view .epoch-forecasts'),
        losses: count('#epoch-view .epoch-losses tbody tr'),
        signers: count('#epoch-view .epoch-certificate tbody tr'),
      }
    })
    expect(detail).toEqual({ inferences: 3, forecastTables: 1, losses: 2, signers: 1 })
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    await page.screenshot({ path: join(ROOT, 'artifacts', 'dashboard.png'), fullPage: true })
    expect(problems).toEqual([])
  }, 120_000)
})
