/**
 * Commit latency of the BFT committee (issue 5): for 4, 7 and 10 coordinators on loopback,
 * from the moment a height can start (its topic epoch has closed and the inputs are in) to the
 * moment the last coordinator has committed it, beside the one-hop gossip latency measured
 * in the same run. A commit needs proposal → prevote → precommit: about three hops, and one
 * block execution (the proposer's, measured in the same run): the floor of the second row.
 */
import '../src/polyfills.js'
import { LocalCluster } from '../src/cluster/local-cluster.js'
import { parseTopicConfig } from '../src/topic/config.js'
import { latencies, startCluster } from './gossip.js'
import { medianOf, percentile, type BenchRow, type BenchSuite } from './lib.js'

const HEIGHTS = 20

async function oneHopMs(): Promise<number> {
  const nodes = await startCluster(2)
  await nodes[0].dial(nodes[1].multiaddrs()[0])
  const lat = await latencies(nodes, 0, 200)
  await Promise.all(nodes.map((n) => n.stop()))
  return medianOf(lat.get(1)!)
}

/**
 * Per height: last commit among all coordinators minus the earliest height start; and the
 * proposer's block execution time of each height (the work a commit cannot avoid).
 */
async function commitLatencies(coordinators: number): Promise<{ latencies: number[]; executionMs: number[] }> {
  const topic = parseTopicConfig({ id: 'bench', name: 'bench', epochMs: 400, groundTruth: 'synthetic:1' }, 'bench')
  const cluster = await LocalCluster.start({
    topics: [topic],
    coordinators,
    workers: 3,
    reputers: 1,
    startDelayMs: 1500,
  })
  const byHeight = new Map<number, { start: number; end: number; count: number }>()
  const executionMs: number[] = []
  let done!: () => void
  const finished = new Promise<void>((r) => (done = r))
  for (const m of cluster.members) {
    if (m.role !== 'coordinator') continue
    m.node.driver.events.on('block-executed', (e) => {
      if (e.as === 'proposer' && e.height > 2) executionMs.push(e.ms)
    })
    m.node.driver.events.on('commit', (c) => {
      const h = byHeight.get(c.height) ?? { start: c.startedAtMs, end: c.committedAtMs, count: 0 }
      h.start = Math.min(h.start, c.startedAtMs)
      h.end = Math.max(h.end, c.committedAtMs)
      h.count++
      byHeight.set(c.height, h)
      if ([...byHeight.values()].filter((x) => x.count === coordinators).length >= HEIGHTS + 2) done()
    })
  }
  const timeout = setTimeout(done, (HEIGHTS + 10) * topic.epochMs + 30_000)
  await finished
  clearTimeout(timeout)
  await cluster.stop()
  // Heights 1-2 include the start-up; a node that restored nothing starts a height only when
  // its own timer fires, so heights count only when every coordinator committed them.
  const latencies = [...byHeight.entries()]
    .filter(([h, x]) => h > 2 && x.count === coordinators)
    .map(([, x]) => x.end - x.start)
  return { latencies, executionMs }
}

export const suite: BenchSuite = {
  name: 'consensus',
  async run() {
    const hop = await oneHopMs()
    const rows: BenchRow[] = []
    for (const n of [4, 7, 10]) {
      const { latencies: lat, executionMs } = await commitLatencies(n)
      const median = medianOf(lat)
      const floor = 3 * hop + medianOf(executionMs)
      rows.push({
        suite: 'consensus',
        case: `commit latency, ${n} coordinators (median)`,
        value: median,
        unit: 'ms',
        baselineName: 'one gossip hop (median)',
        baseline: hop,
        ratio: median / hop,
        ratioMeaning: 'commit / hop (floor ~3)',
        extra: { p99: percentile(lat, 99), heights: lat.length },
      })
      rows.push({
        suite: 'consensus',
        case: `commit latency vs floor, ${n} coordinators`,
        value: median,
        unit: 'ms',
        baselineName: '3 one-hop latencies + one block execution (medians)',
        baseline: floor,
        ratio: median / floor,
        ratioMeaning: 'commit / floor (goal <= 5)',
        extra: { hopMs: hop, blockExecutionMs: medianOf(executionMs) },
      })
    }
    return rows
  },
}
