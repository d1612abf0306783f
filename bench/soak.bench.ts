/**
 * Memory over time. A network runs for days, so a node's memory must not grow with time: the
 * store holds history, memory a bounded window. This suite runs a local cluster (4
 * coordinators, 6 workers, 2 reputers, the default topic, one process) for
 * CHORUS_SOAK_SECONDS (default 600), samples the process's memory, and reports how fast RSS,
 * the JS heap, external memory and ArrayBuffers grow after a warm-up (the first 40% of the
 * run): the least-squares slope of the samples, in MB per hour, against a goal of < 50 MB/h
 * for the whole cluster. Then the same for one `chorus node` process (a coordinator of a
 * network of 4 coordinators, 2 workers and 1 reputer, each its own process, made by
 * `chorus init`) for CHORUS_SOAK_NODE_SECONDS (default: the same). 0 seconds skips a part.
 * Every sample (MB) goes to bench/results/soak.json, to see where a curve flattens.
 *
 * A short run mostly sees caches filling up (gossipsub's 2-minute seen cache, the transport's
 * message store, the stores' page caches): a slope means something after several minutes.
 */
import '../src/polyfills.js'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { LocalCluster } from '../src/cluster/local-cluster.js'
import { loadTopicConfig } from '../src/topic/config.js'
import { packageFile } from '../src/util/package-files.js'
import type { BenchRow, BenchSuite } from './lib.js'
import { memoryNow } from './soak-sampler.js'

function secondsFrom(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds >= 0 (got "${raw}")`)
  return n
}

const SECONDS = secondsFrom('CHORUS_SOAK_SECONDS', 600)
const NODE_SECONDS = secondsFrom('CHORUS_SOAK_NODE_SECONDS', SECONDS)
/**
 * The start of a run left out of the slopes: start-up, the first blocks, and the caches filling
 * (gossipsub remembers message ids for 2 minutes, the message stores fill to their byte bound,
 * the malloc arenas grow to the working set): measured, memory levels off after 3–4 minutes.
 */
const WARMUP_FRACTION = 0.4
/** Growth the whole cluster may show, in MB per hour. */
const GOAL_MB_PER_HOUR = 50
/** About 60 samples in a run, at most one every 5 s and at least one a second apart. */
const sampleMs = (seconds: number): number => Math.min(5000, Math.max(1000, Math.floor((seconds * 1000) / 60)))
/** `chorus node`: the network starts this long after `chorus init`, once every process is up. */
const NODE_START_IN_SECONDS = 20
/** Longest wait for a started node to print its address, and for a stopped one to exit. */
const NODE_START_TIMEOUT_MS = 60_000
const NODE_STOP_TIMEOUT_MS = 15_000

const MIB = 1024 * 1024
const KEYS = ['rss', 'rssAnon', 'rssFile', 'heap', 'heapTotal', 'external', 'arrayBuffers'] as const
type Key = (typeof KEYS)[number]
const LABEL: Record<Key, string> = {
  rss: 'RSS',
  rssAnon: 'RSS anonymous',
  rssFile: 'RSS file-backed',
  heap: 'JS heap',
  heapTotal: 'JS heap committed',
  external: 'external',
  arrayBuffers: 'ArrayBuffer',
}

/** Seconds since the start of the run, memory in bytes. */
interface Sample extends Record<Key, number> {
  readonly s: number
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * A full garbage collection before each sample, so the heap figures are what is alive, not
 * where the collector happened to be (without it the heap's sawtooth hides a slope of tens of
 * MB/h). The suite runs without --expose-gc, so the function is fetched this way.
 */
function collector(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/** Least-squares slope of `key` over the samples after the warm-up, in MB per hour. */
function slopeMbPerHour(samples: readonly Sample[], key: Key): number {
  const n = samples.length
  if (n < 2) return Number.NaN
  const mx = samples.reduce((a, p) => a + p.s, 0) / n
  const my = samples.reduce((a, p) => a + p[key], 0) / n
  let sxy = 0
  let sxx = 0
  for (const p of samples) {
    sxy += (p.s - mx) * (p[key] - my)
    sxx += (p.s - mx) ** 2
  }
  return ((sxy / sxx) * 3600) / MIB
}

const afterWarmup = (samples: readonly Sample[], seconds: number): Sample[] =>
  samples.filter((p) => p.s >= seconds * WARMUP_FRACTION)

const mb = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10

function rowsOf(
  what: string,
  samples: readonly Sample[],
  seconds: number,
  extra: Record<string, number | string | boolean>,
): BenchRow[] {
  const kept = afterWarmup(samples, seconds)
  const first = kept[0]
  const last = kept.at(-1)
  return KEYS.map((key) => {
    const value = slopeMbPerHour(kept, key)
    return {
      suite: 'soak',
      case: `${what}: ${LABEL[key]} growth after warm-up`,
      value,
      unit: 'MB/h',
      baselineName: `goal (the whole cluster's RSS)`,
      baseline: GOAL_MB_PER_HOUR,
      ratio: value / GOAL_MB_PER_HOUR,
      ratioMeaning: key === 'rss' ? 'growth / goal (goal < 1)' : 'growth / goal (a part of RSS)',
      extra: {
        ...extra,
        seconds,
        warmupSeconds: seconds * WARMUP_FRACTION,
        samples: kept.length,
        firstMb: first === undefined ? Number.NaN : mb(first[key]),
        lastMb: last === undefined ? Number.NaN : mb(last[key]),
        maxMb: mb(Math.max(...samples.map((p) => p[key]))),
      },
    }
  })
}

interface Part {
  readonly rows: BenchRow[]
  readonly samples: readonly Sample[]
}

/** The cluster of `chorus cluster`, in this process: its memory is this process's. */
async function soakCluster(seconds: number): Promise<Part> {
  const topic = await loadTopicConfig(packageFile('configs/topics/default.json'))
  const cluster = await LocalCluster.start({ topics: [topic], coordinators: 4, workers: 6, reputers: 2 })
  let decided = 0
  cluster.events.on('decision', () => decided++)
  const samples: Sample[] = []
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000
  const gc = collector()
  const take = (): void => {
    gc()
    samples.push({ s: (performance.now() - t0) / 1000, ...memoryNow() })
  }
  let height = 0
  try {
    for (let now = t0; now < deadline; now = performance.now()) {
      take()
      await sleep(Math.min(sampleMs(seconds), deadline - now))
    }
    take()
    height = cluster.members[0].node.driver.chain.height
  } finally {
    await cluster.stop()
  }
  const rows = rowsOf('cluster 4+6+2', samples, seconds, {
    heights: height,
    decidedEpochs: decided,
    epochsPerSecond: Math.round((decided / seconds) * 100) / 100,
  })
  return { rows, samples }
}

/** A `chorus` command in a process of its own, run from the sources like this suite. */
function chorus(
  args: readonly string[],
  opts: { sampler?: string; samples?: string; sampleMs?: number },
): ChildProcess {
  const execArgv = [...process.execArgv]
  if (opts.sampler !== undefined) execArgv.push('--import', opts.sampler)
  return spawn(process.execPath, [...execArgv, packageFile('src/cli/main.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CHORUS_SOAK_SAMPLES: opts.samples ?? '',
      CHORUS_SOAK_SAMPLE_MS: String(opts.sampleMs ?? 5000),
    },
  })
}

/** The process's JSON stdout lines to `onLine`; the last 4 KB of its stderr for an error message. */
function watch(child: ChildProcess, onLine: (line: Record<string, unknown>) => void): () => string {
  let errTail = ''
  child.stderr?.on('data', (d: Buffer) => {
    errTail = (errTail + d.toString()).slice(-4096)
  })
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        onLine(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // not a JSON line
      }
    })
  }
  return () => errTail
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** Stop the processes this suite started (by their handles): SIGTERM, then SIGKILL after a while. */
async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
  await Promise.all(
    children.map(async (c) => {
      if (!(await exited(c, NODE_STOP_TIMEOUT_MS))) {
        c.kill('SIGKILL')
        await exited(c, NODE_STOP_TIMEOUT_MS)
      }
    }),
  )
}

async function runToEnd(child: ChildProcess, what: string): Promise<string> {
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const errTail = watch(child, () => {})
  if (!(await exited(child, NODE_START_TIMEOUT_MS))) {
    await stopAll([child])
    throw new Error(`${what} did not finish`)
  }
  if (child.exitCode !== 0) throw new Error(`${what} failed (exit ${child.exitCode}): ${errTail()}`)
  return out
}

interface InitSummary {
  readonly genesis: string
  readonly genesisTime: number
  readonly keys: readonly { readonly role: string; readonly file: string }[]
}

/** One coordinator of a network of `chorus node` processes; its memory is sampled from inside it. */
async function soakNode(seconds: number): Promise<Part> {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-soak-'))
  const children: ChildProcess[] = []
  try {
    const init = JSON.parse(
      await runToEnd(
        chorus(
          [
            'init',
            '--out',
            dir,
            '--coordinators',
            '4',
            '--workers',
            '2',
            '--reputers',
            '1',
            '--start-in',
            String(NODE_START_IN_SECONDS),
            '--json',
          ],
          {},
        ),
        'chorus init',
      ),
    ) as InitSummary
    const keys = init.keys.filter((k) => k.role !== 'faucet')
    const samplesFile = join(dir, 'memory.jsonl')
    const nodeArgs = (role: string, key: string, i: number): string[] => {
      const args = ['node', '--role', role, '--genesis', init.genesis, '--key', key]
      args.push('--data-dir', join(dir, 'data', String(i)), '--json')
      if (role === 'worker') args.push('--model', i % 2 === 0 ? 'builtin:ema:0.5' : 'builtin:drift:32')
      return args
    }
    // The measured coordinator first: the others bootstrap from its address.
    const first = keys.find((k) => k.role === 'coordinator')
    if (first === undefined) throw new Error('chorus init made no coordinator')
    const measured = chorus(nodeArgs('coordinator', first.file, 0), {
      sampler: pathToFileURL(join(import.meta.dirname, 'soak-sampler.ts')).href,
      samples: samplesFile,
      sampleMs: sampleMs(seconds),
    })
    children.push(measured)
    let epochs = 0
    let height = 0
    const address = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the first coordinator printed no address')),
        NODE_START_TIMEOUT_MS,
      )
      measured.once('exit', (code) => reject(new Error(`the first coordinator exited (${code}): ${errTail()}`)))
      const errTail = watch(measured, (line) => {
        if (line.type === 'node' && Array.isArray(line.addrs) && typeof line.addrs[0] === 'string') {
          clearTimeout(timer)
          const addr = line.addrs[0]
          resolve(addr.includes('/p2p/') ? addr : `${addr}/p2p/${String(line.peerId)}`)
        }
        if (line.type === 'epoch') {
          epochs++
          height = Math.max(height, Number(line.height))
        }
      })
    })
    const bootstrap = await address
    keys.forEach((k, i) => {
      if (k === first) return
      const child = chorus([...nodeArgs(k.role, k.file, i), '--bootstrap', bootstrap], {})
      watch(child, () => {})
      children.push(child)
    })
    // Measured from the genesis time on, for `seconds`.
    const start = init.genesisTime
    const end = start + seconds * 1000
    for (let now = Date.now(); now < end; now = Date.now()) {
      if (measured.exitCode !== null || measured.signalCode !== null) throw new Error('the measured coordinator exited')
      await sleep(Math.min(1000, end - now))
    }
    const samples = (await readFile(samplesFile, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<Key | 't', number>)
      .filter((p) => p.t >= start && p.t <= end)
      .map((p) => ({ s: (p.t - start) / 1000, ...Object.fromEntries(KEYS.map((k) => [k, p[k]])) }) as Sample)
    const rows = rowsOf('one chorus node (a coordinator of 4+2+1 processes)', samples, seconds, {
      heights: height,
      decidedEpochs: epochs,
      epochsPerSecond: Math.round((epochs / seconds) * 100) / 100,
    })
    return { rows, samples }
  } finally {
    await stopAll(children)
    await rm(dir, { recursive: true, force: true })
  }
}

export const suite: BenchSuite = {
  name: 'soak',
  async run() {
    const cluster = SECONDS > 0 ? await soakCluster(SECONDS) : undefined
    const node = NODE_SECONDS > 0 ? await soakNode(NODE_SECONDS) : undefined
    const curve = (part: Part | undefined) =>
      part?.samples.map((p) => ({ s: Math.round(p.s), ...Object.fromEntries(KEYS.map((k) => [k, mb(p[k])])) }))
    const dir = join(import.meta.dirname, 'results')
    await mkdir(dir, { recursive: true })
    await writeFile(
      join(dir, 'soak.json'),
      JSON.stringify({ date: new Date().toISOString(), cluster: curve(cluster), node: curve(node) }, null, 1),
    )
    return [...(cluster?.rows ?? []), ...(node?.rows ?? [])]
  },
}
