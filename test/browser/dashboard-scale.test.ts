/**
 * The dashboard at the size the issue names: a network of 200 nodes (4 coordinators, 195
 * workers, a reputer) and 1000 epochs of history, then live blocks. The page is real (its
 * files as the server serves them); the node behind it is played by the test, which answers
 * the page's requests with generated blocks of that size: a real cluster of 200 nodes does not
 * fit a CI machine. The page must load it all without freezing: no task of the page's may
 * block it for a second or more (Chromium's long-task timings).
 */
import { randomBytes } from 'node:crypto'
import type { Browser, Route } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { dashboardAssets } from '../../src/api/dashboard.js'
import type { LiveBlock } from '../../src/api/live-block.js'
import { launchChromium, requireChromium } from './chromium.js'

const ORIGIN = 'http://chorus.test'
const TOPIC = 'scale'
const EPOCHS = 1000
const hexId = (): string => randomBytes(32).toString('hex')
const coordinators = Array.from({ length: 4 }, hexId)
const workers = Array.from({ length: 195 }, hexId)
const reputer = hexId()
const perWorker = (f: (i: number) => number) => Object.fromEntries(workers.map((w, i) => [w, f(i)]))

/** Block `h` decides epoch h - 1 and settles epoch h - 2. */
function block(h: number): LiveBlock {
  const epoch = h - 1
  return {
    height: h,
    hash: hexId(),
    proposer: coordinators[h % 4],
    timeMs: 1_700_000_000_000 + h * 1000,
    commitMs: 40 + (h % 7),
    txs: 0,
    lastCommit: { height: h - 1, round: h % 10 === 0 ? 1 : 0, signers: coordinators.slice(0, 3) },
    epochs: [
      {
        topic: TOPIC,
        epoch,
        networkInference: Math.sin(epoch / 20),
        naiveInference: Math.sin(epoch / 20) + 0.1,
        inferences: perWorker((i) => Math.sin(epoch / 20) + i / 1000),
        weights: perWorker((i) => ((i + epoch) % workers.length) / workers.length),
        settled:
          epoch === 0
            ? []
            : [
                {
                  epoch: epoch - 1,
                  losses: { network: -2, naive: -1.5, bestWorker: -2.5, inferers: perWorker((i) => -2.5 + i / 100) },
                  rewards: {
                    inferers: perWorker((i) => 1e15 * (i + 1)),
                    forecasters: {},
                    reputers: { [reputer]: 3e17 },
                  },
                  reputerScores: { [reputer]: 100 },
                },
              ],
      },
    ],
  }
}

const peers = [...coordinators.slice(1).map((id) => [id, 'coordinator']), ...workers.map((id) => [id, 'worker'])].map(
  ([participant, role]) => ({
    peerId: `12D3KooW${participant.slice(0, 44)}`,
    participant,
    roles: [role],
    topics: [TOPIC],
  }),
)

function json(route: Route, body: unknown): Promise<void> {
  return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) })
}

/** Play the node: its files, its status and network, the history in chunks, a few live blocks. */
async function answer(route: Route): Promise<void> {
  const url = new URL(route.request().url())
  const assets = dashboardAssets()
  if (url.pathname === '/') return route.fulfill({ status: 200, contentType: assets.page.type, body: assets.page.body })
  const asset = url.pathname.startsWith('/assets/') ? assets.files.get(url.pathname.slice(8)) : undefined
  if (asset !== undefined) return route.fulfill({ status: 200, contentType: asset.type, body: asset.body })
  if (url.pathname === '/v1/status')
    return json(route, {
      chainId: 'scale',
      peers: peers.length,
      height: EPOCHS,
      committee: coordinators.map((id) => ({ id, power: 1 })),
    })
  if (url.pathname === '/v1/dashboard/network')
    return json(route, {
      self: { peerId: 'self', participant: coordinators[0], roles: ['coordinator'], topics: [] },
      peers,
      roleCounts: { coordinator: 3, worker: workers.length },
      connections: peers.length,
      refused: { 'reject:bad-signature': 3 },
      live: { clients: 1, refused: 0, dropped: 0 },
    })
  if (url.pathname === '/v1/topics')
    return json(route, { topics: [{ id: TOPIC, weight: 1.5e18, active: true, revenue: '1000000000000000000' }] })
  if (url.pathname === '/v1/proposals') return json(route, { proposals: [] })
  if (url.pathname === '/v1/dashboard/history') {
    const from = Number(url.searchParams.get('from') ?? 1)
    const limit = Number(url.searchParams.get('limit') ?? EPOCHS)
    const heights = Array.from({ length: Math.max(0, Math.min(limit, EPOCHS - from + 1)) }, (_, i) => from + i)
    return json(route, {
      blocks: heights.map(block),
      truths: heights.map((h) => ({ topic: TOPIC, epoch: h - 1, value: Math.sin((h - 1) / 20) + 0.05 })),
    })
  }
  if (url.pathname === '/v1/events') {
    const events = [1, 2, 3].map(
      (i) => `id: ${EPOCHS + i}\nevent: block\ndata: ${JSON.stringify(block(EPOCHS + i))}\n\n`,
    )
    return route.fulfill({
      status: 200,
      contentType: 'text/event-stream',
      body: `retry: 600000\n\n${events.join('')}`,
    })
  }
  return route.fulfill({ status: 404, contentType: 'application/json', body: '{}' })
}

interface PageGlobals {
  readonly chorusDashboard?: { readonly topics: Map<string, { epochs: number[]; truth: (number | null)[] }> }
  readonly longTasks: number[]
  readonly document: {
    querySelectorAll(selector: string): { length: number }
  }
}

interface PageFrames {
  requestAnimationFrame(callback: () => void): void
}

let browser: Browser | undefined
afterAll(async () => {
  await browser?.close()
})

describe('the dashboard at scale', () => {
  it('loads 1000 epochs of a 200-node network, then live blocks, without freezing', async (ctx) => {
    requireChromium(ctx)
    browser = await launchChromium()
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } })
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    await page.route(`${ORIGIN}/**`, answer)
    await page.addInitScript(() => {
      const g = globalThis as unknown as { longTasks: number[] }
      g.longTasks = []
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) g.longTasks.push(entry.duration)
        // 'longtask' is the browser's entry type, which Node's typings (the test's) do not list.
      }).observe({ type: 'longtask', buffered: true } as unknown as { type: 'mark' })
    })
    await page.goto(`${ORIGIN}/`)
    // The history, then the three live blocks after it.
    await page.waitForFunction(
      (last) => (globalThis as unknown as PageGlobals).chorusDashboard?.topics.get('scale')?.epochs.at(-1) === last,
      EPOCHS + 2,
      { timeout: 60_000 },
    )
    // Let the page draw what the last block brought.
    await page.evaluate(
      () =>
        new Promise((resolve) =>
          (globalThis as unknown as PageFrames).requestAnimationFrame(() => setTimeout(resolve, 0)),
        ),
    )
    const shown = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals
      const t = g.chorusDashboard?.topics.get('scale')
      return {
        epochs: t?.epochs.length ?? 0,
        truths: t?.truth.filter((x) => x !== null).length ?? 0,
        workerRows: g.document.querySelectorAll('section.topic .workers tbody tr').length,
        weightLines: g.document.querySelectorAll('section.topic .weights .u-legend .u-series').length,
        peerRows: g.document.querySelectorAll('#peers-table tbody tr').length,
        longTasks: g.longTasks,
      }
    })
    // The page keeps the last 1000 epochs; the truths of the live epochs have not come yet.
    expect(shown.epochs).toBe(EPOCHS)
    expect(shown.truths).toBe(EPOCHS - 3)
    expect(shown.workerRows).toBe(workers.length)
    expect(shown.weightLines).toBe(8)
    expect(shown.peerRows).toBe(peers.length)
    const longest = Math.max(0, ...shown.longTasks)
    console.log(`dashboard at scale: ${shown.longTasks.length} long tasks, the longest ${longest.toFixed(0)} ms`)
    expect(longest).toBeLessThan(1000)
    expect(problems).toEqual([])
  }, 120_000)
})
