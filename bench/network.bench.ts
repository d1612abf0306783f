/**
 * A network of processes against one in a single process, in the same run: the time from
 * start to ready (every node up and connected) and the commit latency of 4 coordinators (+6
 * workers, 2 reputers), from the moment a height can start (its topic epoch closed) to the
 * moment the last coordinator committed it; and the time a joining `chorus node` takes from
 * its start to its first inference in a committed epoch, against one epoch.
 */
import '../src/polyfills.js'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { LocalCluster } from '../src/cluster/local-cluster.js'
import { ProcessCluster } from '../src/cluster/process-cluster.js'
import type { Block } from '../src/consensus/chain/block.js'
import { signTx } from '../src/consensus/ledger/index.js'
import { epochClosesAt } from '../src/topic/windows.js'
import { uniformSchedule } from '../src/topic/epoch-schedule.js'
import { loadIdentity, generateIdentity, saveIdentity } from '../src/p2p/index.js'
import { parseTopicConfig, type TopicConfig } from '../src/topic/config.js'
import { globalChannel, toHex } from '../src/wire/index.js'
import { medianOf, percentile, type BenchRow, type BenchSuite } from './lib.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts')]
const HEIGHTS = 15
const SIZE = { coordinators: 4, workers: 6, reputers: 2 }
const topic: TopicConfig = parseTopicConfig(
  { id: 'bench', name: 'bench', epochMs: 400, groundTruth: 'synthetic:3' },
  'bench topic',
)

/** When height `block` could start: its first topic epoch closed (windows.ts). */
function heightStart(block: Block, genesisTime: number): number {
  const first = Math.min(...block.topicEpochs.map((e) => e.epoch))
  return epochClosesAt(uniformSchedule(genesisTime, topic.epochMs), topic, first)
}

/** Commit latencies of heights after the start-up, until `HEIGHTS` are in (bounded in time). */
function collect(
  events: { on(e: 'commit', l: (c: { height: number; block: Block }) => void): unknown },
  genesisTime: number,
  committedByAll: (height: number, block: Block) => number | undefined,
): Promise<number[]> {
  return new Promise((resolve) => {
    const latencies: number[] = []
    const pending: { height: number; block: Block }[] = []
    const timer = setTimeout(() => resolve(latencies), (HEIGHTS + 20) * topic.epochMs + 30_000)
    events.on('commit', (c) => {
      pending.push(c)
      // The last coordinator's commit may arrive after this observer's: read it a little later.
      setTimeout(() => {
        for (const p of pending.splice(0)) {
          // Heights that commit a backlog of epochs (the chain catching up after a slow start) are not one epoch's commit.
          if (p.height <= 2 || p.block.topicEpochs.length !== 1) continue
          const at = committedByAll(p.height, p.block)
          if (at !== undefined) latencies.push(at - heightStart(p.block, genesisTime))
        }
        if (latencies.length >= HEIGHTS) {
          clearTimeout(timer)
          resolve(latencies)
        }
      }, 2 * topic.epochMs)
    })
  })
}

async function inproc(): Promise<{ readyMs: number; latencies: number[] }> {
  const t0 = performance.now()
  const cluster = await LocalCluster.start({ topics: [topic], ...SIZE })
  const readyMs = performance.now() - t0
  const commits = new Map<number, number[]>()
  for (const m of cluster.coordinators())
    m.node.driver.events.on('commit', (c) => commits.set(c.height, [...(commits.get(c.height) ?? []), c.committedAtMs]))
  const latencies = await collect(cluster.events, cluster.genesis.genesisTime as number, (h) => {
    const times = commits.get(h) ?? []
    return times.length === SIZE.coordinators ? Math.max(...times) : undefined
  })
  await cluster.stop()
  return { readyMs, latencies }
}

async function processes(dir: string): Promise<{ readyMs: number; latencies: number[] }> {
  const t0 = performance.now()
  const cluster = await ProcessCluster.start({ topics: [topic], ...SIZE, dir, cli: CLI, baseDir: ROOT })
  const readyMs = performance.now() - t0
  const latencies = await collect(cluster.events, cluster.files.genesis.genesisTime as number, (h) =>
    cluster.committedByAll(h),
  )
  await cluster.stop()
  return { readyMs, latencies }
}

/** From `chorus node` start to its first inference in a committed epoch, joining a running cluster. */
async function joinMs(dir: string): Promise<number> {
  const cluster = await LocalCluster.start({
    topics: [topic],
    coordinators: 2,
    workers: 2,
    reputers: 1,
    networkDir: dir,
  })
  try {
    const files = cluster.networkFiles as { genesis: string; faucetKey: string }
    const faucet = await loadIdentity(files.faucetKey)
    const joiner = await generateIdentity()
    const key = join(dir, 'joiner.key')
    await saveIdentity(key, joiner)
    // Funded before the clock starts: the measure is the node's own start, sync and registration.
    const coordinator = cluster.coordinators()[0].node
    const bytes = signTx(faucet, cluster.genesis.chainId, {
      kind: 'transfer',
      accountNonce: 0,
      body: { to: toHex(joiner.publicKey), amount: String(20n * 10n ** 18n) },
    })
    await coordinator.node.publishRaw(globalChannel('tx'), bytes)
    const funded = () => (coordinator.driver.chain.ledger.accounts.get(toHex(joiner.publicKey))?.balance ?? 0n) > 0n
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the transfer did not commit')), 30_000)
      coordinator.driver.events.on('commit', () => {
        if (!funded()) return
        clearTimeout(timer)
        resolve()
      })
    })
    const t0 = performance.now()
    const child = spawn(CLI[0], [
      ...CLI.slice(1),
      'node',
      '--role',
      'worker',
      '--genesis',
      files.genesis,
      '--key',
      key,
      '--data-dir',
      join(dir, 'joiner'),
      '--bootstrap',
      cluster.bootstrapAddrs()[0],
      '--stake',
      '10tok',
      '--json',
    ])
    try {
      return await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no inference of the joiner within 60 s')), 60_000)
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (!line.includes('"type":"epoch"') || (JSON.parse(line) as { inference: unknown }).inference === null)
            return
          clearTimeout(timer)
          resolve(performance.now() - t0)
        })
      })
    } finally {
      child.kill('SIGTERM')
    }
  } finally {
    await cluster.stop()
  }
}

export const suite: BenchSuite = {
  name: 'network',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'chorus-bench-network-'))
    try {
      const local = await inproc()
      const procs = await processes(join(dir, 'processes'))
      const join_ = await joinMs(join(dir, 'join'))
      const nodes = SIZE.coordinators + SIZE.workers + SIZE.reputers
      const rows: BenchRow[] = [
        {
          suite: 'network',
          case: `start-up to ready, ${nodes} nodes, --mode process`,
          value: procs.readyMs,
          unit: 'ms',
          baselineName: '--mode inproc',
          baseline: local.readyMs,
          ratio: procs.readyMs / local.readyMs,
          ratioMeaning: 'process / inproc',
        },
        {
          suite: 'network',
          case: `commit latency, ${SIZE.coordinators} coordinators, --mode process (median)`,
          value: medianOf(procs.latencies),
          unit: 'ms',
          baselineName: '--mode inproc (median)',
          baseline: medianOf(local.latencies),
          ratio: medianOf(procs.latencies) / medianOf(local.latencies),
          ratioMeaning: 'process / inproc',
          extra: {
            p99Process: percentile(procs.latencies, 99),
            p99Inproc: percentile(local.latencies, 99),
            heights: Math.min(procs.latencies.length, local.latencies.length),
          },
        },
        {
          suite: 'network',
          case: 'chorus node start to its first committed inference (joining, registering)',
          value: join_,
          unit: 'ms',
          baselineName: 'one epoch',
          baseline: topic.epochMs,
          ratio: join_ / topic.epochMs,
          ratioMeaning: 'join / epoch',
        },
      ]
      return rows
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
