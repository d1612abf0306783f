/**
 * `chorus cluster`: a local cluster of real libp2p nodes on 127.0.0.1 running the default
 * topic (or the given ones), a line per decided epoch, and a summary at the end.
 */
import { createCommandLog, logLevelOf, logOptions, type LogLevel } from './log.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Option } from 'commander'
import { ClusterStartAborted, LocalCluster } from '../cluster/local-cluster.js'
import { ProcessCluster, ProcessClusterError } from '../cluster/process-cluster.js'
import { runningLocal, runningProcesses, type RunningCluster } from '../cluster/running.js'
import { GroundTruthError } from '../roles/ground-truth/errors.js'
import { ModelSpecError } from '../roles/models/errors.js'
import { naiveInferenceOf, type EpochDecision } from '../roles/decisions.js'
import { SummaryAccumulator, type Summary } from '../roles/summary.js'
import { bestWorkerCoverageNote, epochLine, networkComparison, soFarJson } from './cluster-report.js'
import { loadTopicConfig, TopicConfigError, type TopicConfig } from '../topic/config.js'
import { packageFile } from '../util/package-files.js'
import { serveApi } from '../node/api-node.js'
import { loadNetworkGenesis } from '../node/genesis-file.js'
import { readNetwork } from '../node/network-files.js'
import { existsSync } from 'node:fs'
import { collect, EXIT, hostPort, InputError, intAtLeast, type CommandIo, type CommandSpec } from './command.js'

const DEFAULT_TOPIC_FILE = 'configs/topics/default.json'
/**
 * Long enough for the default topic to show what the network is for: it leaves new-topic
 * mode (the plain mean) after about 14 epochs, and its regrets then need tens of epochs to
 * tell the models apart (docs/benchmarks.md, the cold start).
 */
const DEFAULT_EPOCHS = 150
/** The warm-up covers new-topic mode and the first weighted epochs. */
const MAX_DEFAULT_WARMUP = 20

interface ClusterArgs {
  readonly workers: number
  readonly reputers: number
  readonly coordinators: number
  readonly epochs: number
  readonly epochMs?: number
  readonly topicFiles: readonly string[]
  readonly groundTruth?: string
  readonly warmup?: number
  readonly json?: boolean
  readonly dataDir?: string
  readonly mode: 'inproc' | 'process'
  readonly api: string
  readonly logLevel?: LogLevel
  readonly logFile?: string
}

export const command: CommandSpec = {
  define(cmd) {
    cmd
      .description(
        'Runs coordinators, workers and reputers as real libp2p nodes on 127.0.0.1 (in this process, or one ' +
          'process per node with --mode process), ' +
          'prints a line per decided epoch and topic, then a summary of the losses after warm-up.',
      )
      .option('--workers <n>', 'workers, each with a built-in model', intAtLeast(1), 6)
      .option('--reputers <n>', 'reputers', intAtLeast(1), 2)
      .option('--coordinators <n>', 'coordinators: the BFT committee', intAtLeast(1), 4)
      .option(
        '--epochs <n>',
        'epochs to run, from the first one every node took part in; 0: until Ctrl-C',
        intAtLeast(0),
        DEFAULT_EPOCHS,
      )
      .option('--epoch-ms <ms>', "epoch length in ms, for every topic (default: the topic's)", intAtLeast(50))
      .option(
        '--topic <file>',
        `a topic file (JSON, see configs/topics/); repeat for several topics (default ${DEFAULT_TOPIC_FILE})`,
        collect,
      )
      .option('--ground-truth <spec>', "the first topic's ground truth: synthetic[:SEED], csv:PATH[:COLUMN], http:URL")
      .option(
        '--warmup <n>',
        `decided epochs left out of the summary means (default: a quarter, at most ${MAX_DEFAULT_WARMUP})`,
        intAtLeast(0),
      )
      .option(
        '--data-dir <dir>',
        "keep the network here: its genesis, the faucet key and every node's store (default: a temporary directory, removed at exit)",
      )
      .option(
        '--api <host:port>',
        'serve the consumer API from the first coordinator (docs/api.md)',
        hostPort,
        '127.0.0.1:0',
      )
      .addOption(
        new Option('--mode <mode>', 'inproc: every node in this process; process: every node a `chorus node` process')
          .choices(['inproc', 'process'])
          .default('inproc'),
      )
      .option('--json', 'one JSON object per line instead of text; the first is the ready line')
    for (const option of logOptions('silent')) cmd.addOption(option)
  },
  run: (options, io) => run(options as unknown as ClusterArgs & { topic?: string[] }, io),
}

async function loadTopics(a: ClusterArgs, io: CommandIo): Promise<TopicConfig[]> {
  const files =
    a.topicFiles.length > 0 ? a.topicFiles.map((f) => resolve(io.cwd, f)) : [packageFile(DEFAULT_TOPIC_FILE)]
  const topics = await Promise.all(files.map(loadTopicConfig))
  return topics.map((t, i) => {
    const epochMs = a.epochMs ?? t.epochMs
    const scaled =
      a.epochMs === undefined
        ? t
        : { ...t, epochMs, submissionWindowMs: Math.floor(epochMs * (t.submissionWindowMs / t.epochMs)) }
    if (i !== 0 || a.groundTruth === undefined) return scaled
    // Another series is another topic: named after it, not after the file's default series.
    return {
      ...scaled,
      id: seriesTopicId(a.groundTruth),
      name: `${t.name}, on ${a.groundTruth}`,
      groundTruth: a.groundTruth,
    }
  })
}

/** A topic id for a ground-truth spec: `csv:data/eth.csv:close` → `csv-eth-close`. */
function seriesTopicId(spec: string): string {
  const [kind, ...rest] = spec.split(':')
  const words = rest
    .join(':')
    .replace(/^.*\/(?=[^/]+$)/, '')
    .replace(/\.[a-z]+$/i, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
  const id = [kind, ...(kind === 'http' || kind === 'https' ? [] : words)].join('-').replace(/[^A-Za-z0-9_-]/g, '')
  return (/^[A-Za-z0-9]/.test(id) ? id : `t${id}`).slice(0, 64)
}

async function run(options: ClusterArgs & { topic?: string[] }, io: CommandIo): Promise<number> {
  const a: ClusterArgs = { ...options, topicFiles: options.topic ?? [] }
  let topics: TopicConfig[]
  try {
    topics = await loadTopics(a, io)
  } catch (err) {
    if (err instanceof TopicConfigError) throw new InputError(err.message)
    throw err
  }
  // Without --data-dir the network's files live as long as the run.
  const dataDir = a.dataDir === undefined ? undefined : resolve(io.cwd, a.dataDir)
  const networkDir = dataDir ?? (await mkdtemp(join(tmpdir(), 'chorus-cluster-')))
  try {
    return await runCluster(a, topics, io, dataDir, networkDir)
  } finally {
    if (dataDir === undefined) await rm(networkDir, { recursive: true, force: true })
  }
}

async function runCluster(
  a: ClusterArgs,
  topics: TopicConfig[],
  io: CommandIo,
  dataDir: string | undefined,
  networkDir: string,
): Promise<number> {
  let cluster: RunningCluster
  let resumed = false
  const logFile = a.logFile === undefined ? undefined : resolve(io.cwd, a.logFile)
  const logged = createCommandLog(logLevelOf(a, process.env, 'silent'), logFile)
  try {
    if (a.mode === 'process') {
      const started = await ProcessCluster.start({
        topics,
        workers: a.workers,
        reputers: a.reputers,
        coordinators: a.coordinators,
        baseDir: io.cwd,
        signal: io.signal,
        dir: networkDir,
        cli: io.cli,
        api: a.api,
        log: { level: logged.level, ...(logFile === undefined ? {} : { file: logFile }) },
      })
      cluster = runningProcesses(started)
    } else {
      // A data dir that holds a network runs that network again, from its stores.
      const resume = existsSync(join(networkDir, 'genesis.json')) ? await readNetwork(networkDir) : undefined
      resumed = resume !== undefined
      if (resume !== undefined)
        topics = [...(await loadNetworkGenesis({ from: resume.genesisPath, cwd: io.cwd })).topics]
      const started = await LocalCluster.start({
        resume,
        topics,
        workers: a.workers,
        reputers: a.reputers,
        coordinators: a.coordinators,
        baseDir: io.cwd,
        signal: io.signal,
        dataDir: dataDir === undefined ? undefined : join(dataDir, 'nodes'),
        networkDir,
        log: logged.log,
      })
      cluster = runningLocal(
        started,
        await serveApi(started.coordinators()[0].node, started.genesis, a.api, started.groundTruth),
      )
    }
  } catch (err) {
    // Bad input, not a bug: a ground truth that cannot be read, a model spec that cannot be built.
    if (err instanceof GroundTruthError || err instanceof ModelSpecError) throw new InputError(err.message)
    if (err instanceof ClusterStartAborted || (err instanceof ProcessClusterError && io.signal.aborted)) {
      io.stderr('chorus cluster: stopped during start-up\n')
      return EXIT.OK
    }
    if (err instanceof ProcessClusterError) throw new InputError(err.message)
    throw err
  }
  // The topics the network runs (a network run again brings its own).
  topics = cluster.topics.map((t) => t.config)
  const modelOf = { get: (id: string): string | undefined => cluster.modelOf(id) }
  const warmup = a.warmup ?? Math.min(MAX_DEFAULT_WARMUP, Math.floor(a.epochs / 4))
  const summaries = new Map(topics.map((t) => [t.id, new SummaryAccumulator(t.lossFunction, warmup, topics.length)]))
  const decided = new Map(topics.map((t) => [t.id, 0]))
  // The run starts at the first epoch every member took part in (and a truth was known).
  // A network run again first commits the epochs it was off (without inferences): count from the present.
  if (resumed) await untilPresent(cluster, io.signal)
  const firstEpoch = Math.max(
    ...topics.map((t) => cluster.firstFullEpoch(t.id)),
    ...cluster.topics.map((t) => (resumed ? t.clock.current() + 1 : 0)),
  )
  const lastEpoch = a.epochs === 0 ? Number.POSITIVE_INFINITY : firstEpoch + a.epochs - 1
  const info = cluster.ready()
  const ready = {
    type: 'ready',
    api: info.api,
    bootstrap: info.bootstrap,
    genesis: info.genesis,
    genesisHash: info.genesisHash,
    chainId: info.chainId,
    topics: topics.map((t) => t.id),
    faucetKey: info.faucetKey,
  }
  if (a.json) io.stdout(`${JSON.stringify(ready)}\n`)
  else {
    io.stdout(
      `chorus cluster: ${a.coordinators} coordinator(s), ${a.workers} workers, ${a.reputers} reputers on 127.0.0.1; topics ${topics.map((t) => `${t.id} (${t.epochMs} ms epochs, truth ${t.groundTruth})`).join(', ')}; ${a.epochs === 0 ? 'until Ctrl-C' : `${a.epochs} epochs`}\n`,
    )
    if (ready.api !== null)
      io.stdout(`dashboard: ${ready.api}/ (live until the run ends; metrics at ${ready.api}/metrics)\n`)
    if (a.epochs === 0) io.stdout(joinHint(ready))
  }
  let printed: Promise<void> = Promise.resolve()
  const finished = new Promise<void>((resolveDone) => {
    const onDecision = async (d: EpochDecision): Promise<void> => {
      if (d.epoch < firstEpoch || d.epoch > lastEpoch) return
      const truthSource = cluster.groundTruth.get(d.topicId)
      const truth = await truthSource?.valueAt(d.epoch)
      const previousTruth = await truthSource?.valueAt(d.epoch - 1)
      // Before the first settlement the naive inference does not exist yet: not a fair comparison.
      if (truth !== undefined && naiveInferenceOf(d) !== null)
        summaries.get(d.topicId)?.add({
          epoch: d.epoch,
          truth,
          previousTruth,
          network: d.output.networkInference,
          naive: d.output.naiveInference,
          inferences: d.inferences,
        })
      decided.set(d.topicId, (decided.get(d.topicId) ?? 0) + 1)
      if (a.json) {
        io.stdout(
          `${JSON.stringify({ type: 'epoch', topic: d.topicId, epoch: d.epoch, networkInference: d.output.networkInference, naiveInference: naiveInferenceOf(d), truth: truth ?? null, inferers: Object.keys(d.inferences).length, forecasters: Object.keys(d.output.forecastImpliedInferences).length, settled: d.settled.map((s) => s.epoch), weights: Object.fromEntries(Object.entries(d.output.weights.inferers).map(([id, w]) => [modelOf.get(id) ?? id, w])), soFar: soFarJson(summaries.get(d.topicId)?.result(), modelOf) })}\n`,
        )
      } else io.stdout(epochLine(d, truth, modelOf, summaries.get(d.topicId)?.result()))
    }
    // Each decision is printed in turn (reading the truth is async); the summary waits for the last.
    cluster.events.on('decision', (d) => {
      printed = printed.then(() => onDecision(d))
    })
    // The run ends when every topic has committed its last epoch, or (an epoch that cannot be
    // decided, a stalled committee) a few epochs later at the latest.
    const lastCommitted = new Map<string, number>()
    cluster.events.on('commit', (commit) => {
      for (const te of commit.block.topicEpochs) lastCommitted.set(te.topicId, te.epoch)
      if (topics.every((t) => (lastCommitted.get(t.id) ?? -1) >= lastEpoch)) resolveDone()
    })
    const endAt = Math.max(
      ...cluster.topics.map((t) => t.clock.endOf(lastEpoch) + Math.max(3000, 5 * t.config.epochMs)),
    )
    const timer = Number.isFinite(endAt) ? setTimeout(resolveDone, endAt - Date.now()) : undefined
    io.signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolveDone()
    })
  })
  await finished
  await cluster.stop()
  logged.flush()
  await printed
  const results: Summary[] = topics.map((t) => (summaries.get(t.id) as SummaryAccumulator).result())
  const first = results[0]
  const summary = {
    type: 'summary',
    epochs: a.epochs === 0 ? [...decided.values()].reduce((x, y) => Math.max(x, y), 0) : a.epochs,
    topics: topics.length,
    decided: [...decided.values()].reduce((x, y) => x + y, 0),
    networkLoss: first.networkLoss,
    naiveLoss: first.naiveLoss,
    bestWorkerLoss: first.bestWorkerLoss,
    bestWorkerNetworkLoss: first.bestWorkerNetworkLoss,
    bestWorkerCoverage: first.bestWorkerCoverage,
    bestWorker: first.bestWorker === null ? null : (modelOf.get(first.bestWorker) ?? first.bestWorker),
    warmup,
    commits: cluster.committed(),
    forks: cluster.forks(),
    conservation: cluster.conservation(),
    meanCommitMs: round(cluster.meanCommitMs()),
    ...(topics.length > 1
      ? {
          perTopic: Object.fromEntries(
            topics.map((t, i) => [
              t.id,
              {
                decided: decided.get(t.id),
                networkLoss: results[i].networkLoss,
                naiveLoss: results[i].naiveLoss,
                bestWorkerLoss: results[i].bestWorkerLoss,
                bestWorkerNetworkLoss: results[i].bestWorkerNetworkLoss,
                bestWorkerCoverage: results[i].bestWorkerCoverage,
              },
            ]),
          ),
        }
      : {}),
  }
  if (a.json) io.stdout(`${JSON.stringify(summary)}\n`)
  else {
    const f = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toPrecision(5))
    io.stdout(
      `summary: ${summary.decided} of ${summary.epochs * topics.length} topic-epochs decided; mean loss after ${warmup} warm-up epochs: network ${f(first.networkLoss)}, naive ${f(first.naiveLoss)}, best single worker ${f(first.bestWorkerLoss)} (${summary.bestWorker ?? 'none'}${bestWorkerCoverageNote(first)})${networkComparison(first)}\n` +
        `consensus: ${summary.commits} topic-epochs committed by ${a.coordinators} coordinators, ${summary.forks} forks, ledger invariants (conservation, committee size) ${summary.conservation ? 'held' : 'VIOLATED'} at every height${summary.meanCommitMs === null ? '' : `, mean commit ${f(summary.meanCommitMs)} ms`}\n`,
    )
  }
  return EXIT.OK
}

const round = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? Math.round(x * 10) / 10 : null)

/** How another process joins this network (printed by a cluster that runs until Ctrl-C). */
function joinHint(ready: {
  api: string | null
  bootstrap: readonly string[]
  genesis: string | null
  faucetKey: string | null
}): string {
  if (ready.genesis === null) return ''
  return [
    `ready: the network runs until Ctrl-C${ready.api === null ? '' : `; its consumer API is ${ready.api}`}.`,
    'To join it from another terminal, fund a key from the faucet and start a node:',
    '  chorus keys generate --key my.key',
    `  chorus tx transfer --key ${ready.faucetKey} --to my.key --amount 20tok --api ${ready.api ?? 'URL'}`,
    `  chorus node --role worker --genesis ${ready.genesis} --bootstrap ${ready.bootstrap[0]} \\`,
    '    --key my.key --data-dir my-node --stake 10tok --model builtin:ema:0.3',
    '',
  ].join('\n')
}

/** Resolve once the cluster commits one epoch per topic near the present (bounded; aborts with the run). */
function untilPresent(cluster: RunningCluster, signal: AbortSignal): Promise<void> {
  const longest = Math.max(...cluster.topics.map((t) => t.config.epochMs))
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      cluster.events.off('commit', onCommit)
      resolve()
    }
    const onCommit = ({ block }: { block: { timeMs: number; topicEpochs: readonly { topicId: string }[] } }): void => {
      const topics = new Set(block.topicEpochs.map((e) => e.topicId)).size
      if (block.topicEpochs.length === topics && block.timeMs >= Date.now() - 2 * longest) done()
    }
    const timer = setTimeout(done, 30 * longest + 30_000)
    cluster.events.on('commit', onCommit)
    signal.addEventListener('abort', done, { once: true })
  })
}
