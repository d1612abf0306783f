/**
 * Simulator table rows → engine inputs (vectors/README.md, "How rows chain together").
 *
 * Row N holds epoch N's inputs (inferences, forecasts, reputer stakes and losses, topic
 * reward) and the values stored after epoch N (regrets of every family, network_loss,
 * listening coefficients, smoothed fractions, forecaster_score_ratio). So epoch N is
 * computed from row N's inputs and the state read from row N−1, plus the score history of
 * every row before N.
 *
 * Two state fields are not in the table. As in `vectors/epochs/epoch_30x.json`:
 * `initial_regret` is what the initial-regret rule (§4.3) gives for row N−1's network
 * regrets (inferers and forecasters, all taken as experienced), and the inclusion counts are
 * left empty. With every pair stored, neither changes an output the table holds: the initial
 * regret only has to be non-zero (zero would switch synthesis to new-topic mode).
 */
import { record } from '../../synthesis/epoch-json.js'
import { quantileDescending, sampleStdDev } from '../../synthesis/stats.js'
import { matrixOf } from '../../synthesis/id-matrix.js'
import { familyOf } from '../../synthesis/regret-family.js'
import { EMPTY_FAMILY } from '../../synthesis/state.js'
import type {
  IdMap,
  LossBundle,
  RegretSet,
  ReputerReport,
  SettleInput,
  SynthesisInput,
  SynthesisParams,
  TopicState,
} from '../../synthesis/types.js'
import { CsvError, type CsvRow } from './csv.js'
import type { VectorLayout } from './layout.js'

export function synthesisInput(layout: VectorLayout, row: CsvRow): SynthesisInput {
  const forecasts = record<IdMap>()
  layout.forecasters.forEach((k, ki) => {
    const elements = collect(layout.inferers, (j) => row.number(`forecasted_loss_${ki}_for_${j}`))
    if (Object.keys(elements).length > 0) forecasts[k] = elements
  })
  return { inferences: collect(layout.inferers, (j) => row.number(`inference_${j}`)), forecasts }
}

export function settleInput(layout: VectorLayout, row: CsvRow): SettleInput {
  const reputers = record<ReputerReport>()
  layout.reputers.forEach((id, m) => {
    // inferLayout guarantees the stake column; an empty cell means "no report this epoch".
    const stake = row.number(`reputer_stake_${m}`)
    if (stake !== undefined) reputers[id] = { stake, losses: reputerLosses(layout, row, m) }
  })
  return { reputers, topicReward: need(row, 'topic_rewards') }
}

function reputerLosses(layout: VectorLayout, row: CsvRow, m: number): LossBundle {
  const loss = (name: string): number | undefined => row.number(`reputer_${m}_loss_${name}`)
  const nI = layout.inferers.length
  const oneOutInfererForecasters = record<IdMap>()
  layout.forecasters.forEach((k, ki) => {
    const values = collect(layout.inferers, (l) => loss(`forecast_implied_inference_${ki}_oneout_${l}`))
    if (Object.keys(values).length > 0) oneOutInfererForecasters[k] = values
  })
  return {
    network: need(row, `reputer_${m}_loss_network_inference`),
    naive: need(row, `reputer_${m}_loss_naive_network_inference`),
    inferers: collect(layout.inferers, (j) => loss(`inference_${j}`)),
    forecasters: collect(layout.forecasters, (k) => loss(`forecast_implied_inference_${k}`)),
    oneOutInferers: collect(layout.inferers, (l) => loss(`network_inference_oneout_${l}`)),
    oneOutForecasters: collect(layout.forecasters, (k) => loss(`network_inference_oneout_${nI + k}`)),
    oneInForecasters: collect(layout.forecasters, (k) => loss(`naive_network_inference_onein_${k}`)),
    oneOutInfererForecasters: matrixOf(oneOutInfererForecasters),
  }
}

/**
 * The state stored after `row` (the "previous" state of the row after it), with the score
 * history taken from `history`.
 */
export function stateAfter(
  layout: VectorLayout,
  params: SynthesisParams,
  row: CsvRow,
  history: TopicState['scoreHistory'],
): TopicState {
  const nI = layout.inferers.length
  const regret = (name: string): number | undefined => row.number(name)
  // Worker w of the table is inferer w (w < nI) or forecaster w − nI.
  const set = (column: (w: number) => string): RegretSet => ({
    inferers: collect(layout.inferers, (j) => regret(column(j))),
    forecasters: collect(layout.forecasters, (k) => regret(column(nI + k))),
  })
  const family = (ids: readonly string[], offset: number): IdMap<RegretSet> => {
    const out = record<RegretSet>()
    ids.forEach((id, i) => {
      out[id] = set((w) => `inference_regret_worker_${w}_oneout_${offset + i}`)
    })
    return out
  }
  const oneIn = record<RegretSet>()
  layout.forecasters.forEach((k, ki) => {
    const self = regret(`inference_regret_worker_${nI}_onein_${ki}`)
    const forecasters = record<number>()
    if (self !== undefined) forecasters[k] = self
    oneIn[k] = {
      inferers: collect(layout.inferers, (j) => regret(`inference_regret_worker_${j}_onein_${ki}`)),
      forecasters,
    }
  })
  const network = set((w) => `inference_regret_worker_${w}`)
  return {
    initialRegret: initialRegret(params, network),
    previousNetworkLoss: row.number('network_loss') ?? null,
    regrets: {
      network,
      naive: {
        inferers: collect(layout.inferers, (j) => regret(`naive_inference_regret_worker_${j}`)),
        forecasters: record(),
      },
      oneOutInferer: familyOf(family(layout.inferers, 0)),
      oneOutForecaster: familyOf(family(layout.forecasters, nI)),
      oneInForecaster: familyOf(oneIn),
    },
    infererInclusionCounts: record(),
    forecasterInclusionCounts: record(),
    listeningCoefficients: collect(layout.reputers, (m) => row.number(`reputer_listening_coefficient_${m}`)),
    smoothedRewardFractions: {
      inferers: collect(layout.inferers, (j) => row.number(`inferer_reward_fraction_smooth_${j}`)),
      forecasters: collect(layout.forecasters, (k) => row.number(`forecaster_reward_fraction_smooth_${k}`)),
      reputers: collect(layout.reputers, (m) => row.number(`reputer_reward_fraction_smooth_${m}`)),
    },
    scoreHistory: history,
    forecasterScoreRatio: row.number('forecaster_score_ratio') ?? 0,
  }
}

/** The state of a topic nothing is known about: used for the first row, which has no predecessor. */
export function blankState(): TopicState {
  const empty = (): RegretSet => ({ inferers: record(), forecasters: record() })
  return {
    // Not 0: settle does not read the mode, but a non-zero value keeps the state one that
    // synthesis would also accept as "not a new topic".
    initialRegret: -1,
    previousNetworkLoss: null,
    regrets: {
      network: empty(),
      naive: empty(),
      oneOutInferer: EMPTY_FAMILY,
      oneOutForecaster: EMPTY_FAMILY,
      oneInForecaster: EMPTY_FAMILY,
    },
    infererInclusionCounts: record(),
    forecasterInclusionCounts: record(),
    listeningCoefficients: record(),
    smoothedRewardFractions: { inferers: record(), forecasters: record(), reputers: record() },
    scoreHistory: { inferers: [], forecasters: [] },
    forecasterScoreRatio: 0,
  }
}

/** One task's score history before row `index`: newest row first, table order within a row. */
export interface TaskHistory {
  /** At most maxSamplesToScaleScores entries. */
  readonly entries: readonly number[]
  /**
   * False if the spread sample of row `index` would reach before the first row (or into a
   * row without scores), so values that depend on it cannot be checked.
   */
  readonly complete: boolean
}

export function scoreHistory(
  rows: readonly CsvRow[],
  index: number,
  columns: readonly string[],
  maxSamples: number,
): TaskHistory {
  // The spread sample is this row's scores followed by the history (§12.1).
  const needed = Math.max(0, maxSamples - columns.length)
  const entries: number[] = []
  for (let r = index - 1; r >= 0 && entries.length < maxSamples; r--) {
    const scores = columns.map((c) => rows[r].number(c))
    if (scores.some((s) => s === undefined)) break
    entries.push(...(scores as number[]))
  }
  return { entries: entries.slice(0, maxSamples), complete: entries.length >= needed }
}

/** §4.3 over every stored network regret, all taken as experienced (see the file comment). */
function initialRegret(params: SynthesisParams, network: RegretSet): number {
  const sample = [
    ...Object.keys(network.inferers)
      .sort()
      .map((id) => network.inferers[id]),
    ...Object.keys(network.forecasters)
      .sort()
      .map((id) => network.forecasters[id]),
  ]
  const spread = sampleStdDev(sample) + params.epsilon
  const offset = params.cNorm - params.pNormSafeDiv / params.pNorm
  return quantileDescending(sample, params.initialRegretQuantile) + offset * spread
}

function collect(ids: readonly string[], value: (index: number) => number | undefined): IdMap {
  const out = record<number>()
  ids.forEach((id, i) => {
    const v = value(i)
    if (v !== undefined) out[id] = v
  })
  return out
}

function need(row: CsvRow, column: string): number {
  const v = row.number(column)
  if (v === undefined) throw new CsvError(row.line, `column "${column}" is empty`)
  return v
}
