/**
 * A topic's state keeps the regrets of every worker that ever took part (docs/spec/math.md §4.2:
 * absent workers' regrets are kept), so with workers coming and going it grows for good. This
 * suite measures what that history costs one epoch: synthesize + settle of the same epoch on
 * the state left by `EPOCHS` epochs in which a fraction of the inferers is replaced by new
 * ones each epoch, against the same epoch on a state that holds only the epoch's own workers.
 * The ratio is the figure (history / fresh; 1 would mean the history costs nothing).
 *
 * Reputers report what the reputer role computes (roles/loss-bundle.ts) from the decided
 * output and a truth of their own, as on a live network.
 */
import { lossBundle } from '../src/topic/loss-bundle.js'
import { DEFAULT_PARAMS } from '../src/synthesis/params.js'
import { settleEpoch } from '../src/synthesis/settle.js'
import { emptyTopicState } from '../src/synthesis/state.js'
import { synthesizeEpoch } from '../src/synthesis/synthesize.js'
import type { IdMap, RegretFamily, ReputerReport, SynthesisInput, TopicState } from '../src/synthesis/types.js'
import { mulberry32 } from '../test/utils/prng.js'
import { type BenchRow, type BenchSuite, medianOf } from './lib.js'

const SHAPE = { inferers: 300, forecasters: 30, reputers: 8, elementsPerForecast: 12 } as const
/** Epochs of churn before the timed epoch, and the share of inferers replaced in each. */
const EPOCHS = 200
const CHURN = 0.05
/**
 * Who is replaced: any inferer (workers live ~20 epochs, so the oldest of them, and with them
 * the columns a table keeps, stay bounded), or only the 20% outside a stable core that never
 * leaves (the columns of every worker that ever left are then kept for good).
 */
const SCENARIOS = [
  { name: 'any inferer replaced', stableCore: 0 },
  { name: 'a stable core of 80%', stableCore: 0.8 },
] as const
/**
 * Epochs of the fresh state's own workers before it is timed: enough for them to count as
 * experienced (1/α_R paid epochs), so the fresh state has left new-topic mode and both states
 * take the same path through synthesis.
 */
const FRESH_EPOCHS = Math.ceil(1 / DEFAULT_PARAMS.alphaRegret) + 2
const RUNS = 15

interface Epoch {
  readonly input: SynthesisInput
  readonly truth: number
}

/** A seeded sequence of epochs whose inferer set changes by `churn` each epoch. */
class ChurningTopic {
  private readonly u = mulberry32(20_261_125)
  private next = 0
  private active: string[]
  private readonly forecasters: string[]
  readonly reputers: string[]
  private truth = 0

  constructor(private readonly stableCore: number) {
    this.active = Array.from({ length: SHAPE.inferers }, () => this.newId('i'))
    this.forecasters = Array.from({ length: SHAPE.forecasters }, () => this.newId('f'))
    this.reputers = Array.from({ length: SHAPE.reputers }, () => this.newId('r'))
  }

  private newId(prefix: string): string {
    return `${prefix}${String(this.next++).padStart(7, '0')}`
  }

  epoch(churn: number): Epoch {
    const u = this.u
    const core = Math.round(SHAPE.inferers * this.stableCore)
    for (let i = 0; i < Math.round(SHAPE.inferers * churn); i++)
      this.active[core + Math.floor(u() * (SHAPE.inferers - core))] = this.newId('i')
    this.truth += u() - 0.5
    const inferences: Record<string, number> = {}
    for (const id of this.active) inferences[id] = this.truth + (u() - 0.5)
    const forecasts: Record<string, Record<string, number>> = {}
    for (const k of this.forecasters) {
      const elements: Record<string, number> = {}
      for (let e = 0; e < SHAPE.elementsPerForecast; e++)
        elements[this.active[Math.floor(u() * this.active.length)]] = -2 + u()
      forecasts[k] = elements
    }
    return { input: { inferences, forecasts }, truth: this.truth }
  }

  /** Each reputer's bundle for the epoch's output, from its own reading of the truth. */
  reports(epoch: Epoch, output: ReturnType<typeof synthesizeEpoch>): IdMap<ReputerReport> {
    const out: Record<string, ReputerReport> = {}
    for (const [m, id] of this.reputers.entries()) {
      const truth = epoch.truth + 0.01 * (m - SHAPE.reputers / 2)
      out[id] = {
        stake: 1000 + 100 * m,
        losses: lossBundle({ inferences: epoch.input.inferences, output }, { value: truth }, 'squared-error'),
      }
    }
    return out
  }
}

/** One epoch on `state`: synthesize, the reputers' reports, settle. */
function step(topic: ChurningTopic, epoch: Epoch, state: TopicState): { state: TopicState; ms: number } {
  const t0 = performance.now()
  const output = synthesizeEpoch(DEFAULT_PARAMS, epoch.input, state)
  const t1 = performance.now()
  const reports = topic.reports(epoch, output)
  const t2 = performance.now()
  const settled = settleEpoch(DEFAULT_PARAMS, { reputers: reports, topicReward: 1e6 }, state)
  const t3 = performance.now()
  return { state: settled.state, ms: t1 - t0 + (t3 - t2) }
}

/**
 * Median ms of the epoch on each state (neither is advanced), the two timed in turn so that a
 * slower stretch of a shared machine weighs on both alike.
 */
function timeOn(topic: ChurningTopic, epoch: Epoch, states: readonly TopicState[]): number[] {
  const times = states.map((): number[] => [])
  for (let r = 0; r < RUNS + 2; r++)
    for (const [i, state] of states.entries()) times[i].push(step(topic, epoch, asNew(state)).ms)
  return times.map((t) => medianOf(t.slice(2)))
}

/**
 * The state in new objects down to the regret families, as each settlement hands the next
 * epoch a new state: an object the engine has checked once is not checked again, and timing
 * one state over and over would leave that check out. What a settlement carries over as it
 * was (departed regrets, records of workers not updated) stays the same object, as it does.
 */
function asNew(state: TopicState): TopicState {
  const r = state.regrets
  const family = (f: RegretFamily): RegretFamily => ({ ...f })
  return {
    ...state,
    regrets: {
      ...r,
      oneOutInferer: family(r.oneOutInferer),
      oneOutForecaster: family(r.oneOutForecaster),
      oneInForecaster: family(r.oneInForecaster),
    },
  }
}

function widthOf(state: TopicState): { columns: number; chunks: number } {
  const f = state.regrets.oneOutInferer
  return { columns: f.inferers.cols.length, chunks: f.departed.inferers.chunks.length }
}

async function historyRow(scenario: (typeof SCENARIOS)[number]): Promise<BenchRow> {
  const topic = new ChurningTopic(scenario.stableCore)
  let state = emptyTopicState()
  for (let e = 0; e < EPOCHS; e++) state = step(topic, topic.epoch(CHURN), state).state
  const timed = topic.epoch(CHURN)
  let fresh = emptyTopicState()
  for (let e = 0; e < FRESH_EPOCHS; e++) fresh = step(topic, timed, fresh).state
  if (fresh.initialRegret === 0 || state.initialRegret === 0)
    throw new Error('history: a state is still in new-topic mode')
  const [withHistory, withoutHistory] = timeOn(topic, timed, [state, fresh])
  const history = widthOf(state)
  const own = widthOf(fresh)
  return {
    suite: 'history',
    case: `epoch (${SHAPE.inferers},${SHAPE.forecasters},${SHAPE.reputers}) after ${EPOCHS} epochs of ${CHURN * 100}% churn, ${scenario.name}`,
    value: withHistory,
    unit: 'ms',
    baselineName: 'same epoch, fresh state',
    baseline: withoutHistory,
    ratio: withHistory / withoutHistory,
    ratioMeaning: 'history / fresh (1 = history is free)',
    extra: {
      oneOutColumnsWithHistory: history.columns,
      oneOutColumnsFresh: own.columns,
      departedChunksWithHistory: history.chunks,
      departedChunksFresh: own.chunks,
    },
  }
}

export const suite: BenchSuite = {
  name: 'history',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    for (const scenario of SCENARIOS) rows.push(await historyRow(scenario))
    return rows
  },
}
