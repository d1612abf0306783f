/**
 * How many nodes one process holds, and how short an epoch a cluster sustains. Each case runs
 * a real local cluster (libp2p nodes over TCP on loopback, as `npm start` runs it) and counts
 * what the chain committed:
 * - 200 nodes (7 coordinators, 170 workers, 23 reputers): the share of epochs committed with
 *   an output, the share of the workers' inferences that reached the committee (in a committed
 *   block, used or left on standby by the active-set caps), and the memory per node;
 * - 4 coordinators, 30 workers, 3 reputers: the shortest epoch length at which every epoch of
 *   a run commits, trying shorter and shorter lengths.
 * `CHORUS_SCALE_EPOCH_MS` sets the 200-node epoch length, `CHORUS_SCALE_EPOCHS` the epochs counted.
 */
import '../src/polyfills.js'
import { LocalCluster } from '../src/cluster/local-cluster.js'
import type { Block } from '../src/consensus/chain/block.js'
import { WorkerService } from '../src/roles/worker.js'
import { parseTopicConfig } from '../src/topic/config.js'
import type { BenchRow, BenchSuite } from './lib.js'

const BIG = { coordinators: 7, workers: 170, reputers: 23 } as const
const BIG_EPOCH_MS = Number(process.env.CHORUS_SCALE_EPOCH_MS ?? 10_000)
const BIG_EPOCHS = Number(process.env.CHORUS_SCALE_EPOCHS ?? 8)
const SMALL = { coordinators: 4, workers: 30, reputers: 3 } as const
/** Epoch lengths tried for the shortest sustained epoch, longest first. */
const SMALL_EPOCH_MS = [1000, 800, 600, 500, 400, 300, 250, 200]
const SMALL_EPOCHS = 30
/** Epochs after the start that are not counted (the mesh and the first heights settle). */
const WARM_UP_EPOCHS = 3
const MiB = 1024 * 1024
/** Time to start one member, with room to spare (about 120 ms on the 2-core machine). */
const START_MS_PER_NODE = 250

interface ClusterSize {
  readonly coordinators: number
  readonly workers: number
  readonly reputers: number
}

interface RunOutcome {
  /** Epochs counted, and how many of them committed with an output. */
  readonly expected: number
  readonly committed: number
  /** Inferences the workers published in the counted epochs, and how many reached a committed block. */
  readonly published: number
  readonly delivered: number
  readonly startMs: number
  readonly rssPerNodeMiB: number
  readonly heapPerNodeMiB: number
}

const describe = (s: ClusterSize): string => `${s.coordinators}+${s.workers}+${s.reputers}`

/** Long runs say where they are, on stderr (the table goes to stdout). */
function progress(line: string): void {
  process.stderr.write(`${line}\n`)
}

function popcount(bytes: Uint8Array): number {
  let n = 0
  for (let b of bytes)
    while (b !== 0) {
      n += b & 1
      b >>= 1
    }
  return n
}

/** Run a cluster until `epochs` epochs after the warm-up have closed and had time to commit. */
async function runCluster(size: ClusterSize, epochMs: number, epochs: number): Promise<RunOutcome> {
  const topic = parseTopicConfig({ id: 'scale', name: 'scale', epochMs, groundTruth: 'synthetic:1' }, 'scale')
  const before = process.memoryUsage()
  const t0 = performance.now()
  const nodes = size.coordinators + size.workers + size.reputers
  // The chain starts once every member is up (members start one after the other), or the
  // last ones would begin by catching up on blocks they could have watched being made.
  const cluster = await LocalCluster.start({ topics: [topic], ...size, startDelayMs: 2000 + START_MS_PER_NODE * nodes })
  const startMs = performance.now() - t0
  progress(`scale: ${describe(size)} started in ${(startMs / 1000).toFixed(1)} s, ${epochMs} ms epochs`)
  const epochNow = Math.floor((Date.now() - (cluster.genesis.genesisTime ?? Date.now())) / epochMs)
  const first = Math.max(0, epochNow + 1) + WARM_UP_EPOCHS
  const last = first + epochs - 1
  const published = new Map<number, number>()
  const delivered = new Map<number, number>()
  for (const m of cluster.members)
    for (const s of m.node.services)
      if (s instanceof WorkerService)
        s.events.on('published', (p) => published.set(p.epoch, (published.get(p.epoch) ?? 0) + 1))
  const coordinator = cluster.members.find((m) => m.role === 'coordinator')
  if (coordinator === undefined) throw new Error('scale: a cluster without coordinators')
  const driver = coordinator.node.driver
  let done!: () => void
  const finished = new Promise<void>((resolve) => (done = resolve))
  const onCommit = ({ block }: { block: Block }): void => {
    for (const te of block.topicEpochs) {
      if (te.output !== null) delivered.set(te.epoch, te.inferenceIds.length + popcount(te.standbyInferers))
      if (te.epoch >= last) done()
    }
  }
  driver.events.on('commit', onCommit)
  // An epoch that never commits ends the wait too: its length, the grace, then a few more.
  const timeout = setTimeout(
    done,
    Math.max(0, (cluster.genesis.genesisTime ?? Date.now()) - Date.now()) + (last + 8) * epochMs + 30_000,
  )
  await finished
  clearTimeout(timeout)
  driver.events.off('commit', onCommit)
  const after = process.memoryUsage()
  await cluster.stop()
  progress(
    `scale: ${describe(size)} at ${epochMs} ms: epochs ${[...delivered.keys()].filter((e) => e >= first && e <= last).length}/${epochs} committed`,
  )
  let expected = 0
  let committed = 0
  let sent = 0
  let received = 0
  for (let e = first; e <= last; e++) {
    expected++
    if (delivered.has(e)) committed++
    sent += published.get(e) ?? 0
    received += delivered.get(e) ?? 0
  }
  return {
    expected,
    committed,
    published: sent,
    delivered: received,
    startMs,
    rssPerNodeMiB: (after.rss - before.rss) / MiB / nodes,
    heapPerNodeMiB: (after.heapUsed - before.heapUsed) / MiB / nodes,
  }
}

async function bigRows(): Promise<BenchRow[]> {
  const run = await runCluster(BIG, BIG_EPOCH_MS, BIG_EPOCHS)
  const nodes = BIG.coordinators + BIG.workers + BIG.reputers
  const label = `${nodes} nodes`
  const extra = {
    epochMs: BIG_EPOCH_MS,
    nodes: describe(BIG),
    startMs: Math.round(run.startMs),
    rssPerNodeMiB: run.rssPerNodeMiB,
    heapPerNodeMiB: run.heapPerNodeMiB,
  }
  return [
    {
      suite: 'scale',
      case: `${label}, epochs committed`,
      value: run.committed / run.expected,
      unit: 'fraction',
      baselineName: 'epochs counted',
      baseline: run.expected,
      ratio: run.committed / run.expected,
      ratioMeaning: 'committed / expected (goal 1)',
      extra: { ...extra, committed: run.committed },
    },
    {
      suite: 'scale',
      case: `${label}, inferences delivered`,
      value: run.published === 0 ? 0 : run.delivered / run.published,
      unit: 'fraction',
      baselineName: 'inferences published',
      baseline: run.published,
      ratio: run.published === 0 ? 0 : run.delivered / run.published,
      ratioMeaning: 'in a committed block / published (goal 1)',
      extra: { ...extra, delivered: run.delivered },
    },
    {
      suite: 'scale',
      case: `${label}, memory per node`,
      value: run.rssPerNodeMiB,
      unit: 'MiB RSS',
      baselineName: 'JS heap per node (MiB)',
      baseline: run.heapPerNodeMiB,
      ratio: run.rssPerNodeMiB / run.heapPerNodeMiB,
      ratioMeaning: 'RSS / heap (for reading; no goal)',
      extra,
    },
  ]
}

async function shortestEpochRow(): Promise<BenchRow> {
  const tried: string[] = []
  let shortest = Number.NaN
  for (const epochMs of SMALL_EPOCH_MS) {
    const run = await runCluster(SMALL, epochMs, SMALL_EPOCHS)
    tried.push(`${epochMs}:${run.committed}/${run.expected}`)
    if (run.committed < run.expected) break
    shortest = epochMs
  }
  const longest = SMALL_EPOCH_MS[0]
  return {
    suite: 'scale',
    case: `shortest sustained epoch, ${SMALL.coordinators}+${SMALL.workers}+${SMALL.reputers}`,
    value: shortest,
    unit: 'ms',
    baselineName: 'longest length tried',
    baseline: longest,
    ratio: shortest / longest,
    ratioMeaning: `every one of ${SMALL_EPOCHS} epochs committed (goal <= 250 ms)`,
    extra: { tried: tried.join(' ') },
  }
}

export const suite: BenchSuite = {
  name: 'scale',
  async run(): Promise<BenchRow[]> {
    const rows = [await shortestEpochRow()]
    rows.push(...(await bigRows()))
    return rows
  },
}
