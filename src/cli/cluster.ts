/**
 * `chorus cluster`: a local cluster of real libp2p nodes on 127.0.0.1 running the default
 * topic (or the given ones), a line per decided epoch, and a summary at the end.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { LocalCluster } from '../cluster/local-cluster.js'
import type { EpochDecision } from '../roles/decisions.js'
import { SummaryAccumulator, type Summary } from '../roles/summary.js'
import { loadTopicConfig, TopicConfigError, type TopicConfig } from '../topic/config.js'
import { EXIT, UsageError, type Command, type CommandIo } from './command.js'

const DEFAULT_TOPIC_FILE = new URL('../../configs/topics/default.json', import.meta.url)

const usage = `Usage: chorus cluster [options]

Runs coordinators, workers and reputers as real libp2p nodes on 127.0.0.1 in this process,
prints a line per decided epoch and topic, then a summary of the losses after warm-up.

Options:
  --workers N          workers, each with a built-in model (default 6)
  --reputers N         reputers (default 2)
  --coordinators N     coordinators: the BFT committee (default 4)
  --epochs N           epochs to run (default 40)
  --epoch-ms N         epoch length in ms, for every topic (default: the topic's, 400)
  --topic FILE         a topic file (JSON, see configs/topics/); repeat for several topics
                       (default configs/topics/default.json)
  --ground-truth SPEC  the default topic's ground truth: synthetic[:SEED], csv:PATH[:COLUMN],
                       http:URL
  --warmup N           decided epochs left out of the summary means (default: a quarter, max 10)
  --json               one JSON object per line instead of text
`

interface ClusterArgs {
  readonly workers: number
  readonly reputers: number
  readonly coordinators: number
  readonly epochs: number
  readonly epochMs?: number
  readonly topicFiles: string[]
  readonly groundTruth?: string
  readonly warmup?: number
  readonly json: boolean
}

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${text}"`)
  return n
}

function parse(args: readonly string[]): ClusterArgs {
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...args],
      options: {
        workers: { type: 'string' },
        reputers: { type: 'string' },
        coordinators: { type: 'string' },
        epochs: { type: 'string' },
        'epoch-ms': { type: 'string' },
        topic: { type: 'string', multiple: true },
        'ground-truth': { type: 'string' },
        warmup: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  const str = (k: string): string | undefined => values[k] as string | undefined
  const epochMs = str('epoch-ms') === undefined ? undefined : positiveInt('epoch-ms', str('epoch-ms'), 0, 50)
  return {
    workers: positiveInt('workers', str('workers'), 6),
    reputers: positiveInt('reputers', str('reputers'), 2),
    coordinators: positiveInt('coordinators', str('coordinators'), 4),
    epochs: positiveInt('epochs', str('epochs'), 40),
    epochMs,
    topicFiles: (values.topic as string[] | undefined) ?? [],
    groundTruth: str('ground-truth'),
    warmup: str('warmup') === undefined ? undefined : positiveInt('warmup', str('warmup'), 0, 0),
    json: values.json === true,
  }
}

async function loadTopics(a: ClusterArgs, io: CommandIo): Promise<TopicConfig[]> {
  const files = a.topicFiles.length > 0 ? a.topicFiles.map((f) => resolve(io.cwd, f)) : [DEFAULT_TOPIC_FILE.pathname]
  const topics = await Promise.all(files.map(loadTopicConfig))
  return topics.map((t, i) => {
    const epochMs = a.epochMs ?? t.epochMs
    const scaled =
      a.epochMs === undefined
        ? t
        : { ...t, epochMs, submissionWindowMs: Math.floor(epochMs * (t.submissionWindowMs / t.epochMs)) }
    return i === 0 && a.groundTruth !== undefined ? { ...scaled, groundTruth: a.groundTruth } : scaled
  })
}

function epochLine(d: EpochDecision, truth: number | undefined, modelOf: Map<string, string>): string {
  const w = d.output.weights.inferers
  const top = Object.keys(w)
    .sort((a, b) => w[b] - w[a])
    .slice(0, 3)
    .map((id) => `${modelOf.get(id) ?? id.slice(0, 8)} ${w[id].toFixed(2)}`)
    .join(', ')
  const f = (x: number | undefined): string => (x === undefined ? '?' : x.toPrecision(6))
  return `epoch ${String(d.epoch).padStart(4)}  ${d.topicId}  network ${f(d.output.networkInference)}  naive ${f(d.output.naiveInference)}  truth ${f(truth)}  inferers ${Object.keys(d.inferences).length}${top ? `  top weights: ${top}` : ''}\n`
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const a = parse(args)
  let topics: TopicConfig[]
  try {
    topics = await loadTopics(a, io)
  } catch (err) {
    if (!(err instanceof TopicConfigError)) throw err
    io.stderr(`chorus cluster: ${err.message}\n`)
    return EXIT.FAILED
  }
  const cluster = await LocalCluster.start({
    topics,
    workers: a.workers,
    reputers: a.reputers,
    coordinators: a.coordinators,
    baseDir: io.cwd,
  })
  const modelOf = new Map(
    cluster.members.filter((m) => m.model !== undefined).map((m) => [m.node.participantId, m.model as string]),
  )
  const warmup = a.warmup ?? Math.min(10, Math.floor(a.epochs / 4))
  const summaries = new Map(topics.map((t) => [t.id, new SummaryAccumulator(t.lossFunction, warmup, topics.length)]))
  const decided = new Map(topics.map((t) => [t.id, 0]))
  // The run starts at the first epoch every member took part in (and a truth was known).
  const firstEpoch = Math.max(...topics.map((t) => cluster.firstFullEpoch(t.id)))
  const lastEpoch = firstEpoch + a.epochs - 1
  if (!a.json) {
    io.stdout(
      `chorus cluster: ${a.coordinators} coordinator(s), ${a.workers} workers, ${a.reputers} reputers on 127.0.0.1; topics ${topics.map((t) => `${t.id} (${t.epochMs} ms epochs, truth ${t.groundTruth})`).join(', ')}; ${a.epochs} epochs\n`,
    )
  }
  const finished = new Promise<void>((resolveDone) => {
    const onDecision = async (d: EpochDecision): Promise<void> => {
      if (d.epoch < firstEpoch || d.epoch > lastEpoch) return
      const truthSource = cluster.groundTruth.get(d.topicId)
      const truth = await truthSource?.valueAt(d.epoch)
      const previousTruth = await truthSource?.valueAt(d.epoch - 1)
      if (truth !== undefined)
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
          `${JSON.stringify({ type: 'epoch', topic: d.topicId, epoch: d.epoch, networkInference: d.output.networkInference, naiveInference: d.output.naiveInference, truth: truth ?? null, inferers: Object.keys(d.inferences).length, forecasters: Object.keys(d.output.forecastImpliedInferences).length, settled: d.settled.map((s) => s.epoch), weights: Object.fromEntries(Object.entries(d.output.weights.inferers).map(([id, w]) => [modelOf.get(id) ?? id, w])) })}\n`,
        )
      } else io.stdout(epochLine(d, truth, modelOf))
    }
    cluster.events.on('decision', (d) => void onDecision(d))
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
    const timer = setTimeout(resolveDone, endAt - Date.now())
    io.signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolveDone()
    })
  })
  await finished
  await cluster.stop()
  const results: Summary[] = topics.map((t) => (summaries.get(t.id) as SummaryAccumulator).result())
  const first = results[0]
  const summary = {
    type: 'summary',
    epochs: a.epochs,
    topics: topics.length,
    decided: [...decided.values()].reduce((x, y) => x + y, 0),
    networkLoss: first.networkLoss,
    naiveLoss: first.naiveLoss,
    bestWorkerLoss: first.bestWorkerLoss,
    bestWorker: first.bestWorker === null ? null : (modelOf.get(first.bestWorker) ?? first.bestWorker),
    warmup,
    commits: cluster.commits.topicEpochs.size,
    forks: cluster.commits.forks().length,
    conservation: cluster.commits.conservation,
    meanCommitMs: round(cluster.commits.meanCommitMs()),
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
      `summary: ${summary.decided} of ${a.epochs * topics.length} topic-epochs decided; mean loss after ${warmup} warm-up epochs: network ${f(first.networkLoss)}, naive ${f(first.naiveLoss)}, best single worker ${f(first.bestWorkerLoss)} (${summary.bestWorker ?? 'none'})\n` +
        `consensus: ${cluster.commits.topicEpochs.size} topic-epochs committed by ${a.coordinators} coordinators, ${cluster.commits.forks().length} forks, ledger conservation ${cluster.commits.conservation ? 'held' : 'VIOLATED'} at every height, mean commit ${f(cluster.commits.meanCommitMs())} ms\n`,
    )
  }
  return EXIT.OK
}

const round = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null)

export const command: Command = { usage, run }
