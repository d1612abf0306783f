/**
 * Every output column of a simulator table (vectors/README.md) and where the engine puts the
 * same value: a path into the synthesize or settle output. One table, so the checker, the
 * report and the tests agree on what a column means.
 */
import type { VectorLayout } from './layout.js'
import { nestedOf } from '../../synthesis/id-matrix.js'
import { nestedFamily } from '../../synthesis/regret-family.js'
import type { IdMatrix, RegretFamily } from '../../synthesis/types.js'

/**
 * What a value needs besides its own row:
 * - `previousRow`: state stored by the row before (regrets, coefficients, smoothed fractions, τ);
 * - `infererHistory` / `forecasterHistory`: a complete spread sample of that task's scores (§12.1).
 */
export type Need = 'previousRow' | 'infererHistory' | 'forecasterHistory'

export interface OutputColumn {
  /** Column name in the table. */
  readonly name: string
  /** Group the report prints one line for. */
  readonly family: string
  readonly step: 'synthesize' | 'settle'
  /** Property path into SynthesisOutput / SettleOutput (camelCase fields, ids, list indices). */
  readonly path: readonly (string | number)[]
  readonly needs: readonly Need[]
}

/** The five percentiles of the confidence interval (§9). */
const ERRORBARS = 5

/** All output columns a table with this layout can have, in report order. */
export function outputColumns(layout: VectorLayout): OutputColumn[] {
  const { inferers: I, forecasters: F, reputers: R } = layout
  const nI = I.length
  const out: OutputColumn[] = []
  const add = (
    family: string,
    step: OutputColumn['step'],
    needs: readonly Need[],
    name: string,
    ...path: (string | number)[]
  ): void => {
    out.push({ name, family, step, path, needs })
  }
  const prev: Need[] = ['previousRow']
  const none: Need[] = []
  const payout: Need[] = ['previousRow', 'infererHistory', 'forecasterHistory']
  /** Table worker w → role and id: inferer w, or forecaster w − nI. */
  const worker = (w: number): ['inferers' | 'forecasters', string] =>
    w < nI ? ['inferers', I[w]] : ['forecasters', F[w - nI]]
  const workers = [...I, ...F].map((_, w) => w)

  // ---- synthesize (§6–§9): inputs of row N, regrets and network_loss of row N−1 ----
  const s = (family: string, name: string, ...path: (string | number)[]): void =>
    add(family, 'synthesize', prev, name, ...path)
  F.forEach((k, ki) =>
    I.forEach((j, ji) => s('forecasted_regret', `forecasted_regret_${ki}_inferer_${ji}`, 'forecastedRegrets', k, j)),
  )
  F.forEach((k, ki) =>
    s('forecast_implied_inference', `forecast_implied_inference_${ki}`, 'forecastImpliedInferences', k),
  )
  F.forEach((k, ki) =>
    I.forEach((l, li) =>
      s(
        'forecast_implied_inference_oneout',
        `forecast_implied_inference_${ki}_oneout_${li}`,
        'oneOutInfererForecastImpliedInferences',
        k,
        l,
      ),
    ),
  )
  s('network_inference', 'network_inference', 'networkInference')
  s('network_naive_inference', 'network_naive_inference', 'naiveInference')
  workers.forEach((w) => {
    const [role, id] = worker(w)
    const field = role === 'inferers' ? 'oneOutInfererInferences' : 'oneOutForecasterInferences'
    s('network_inference_oneout', `network_inference_oneout_${w}`, field, id)
  })
  F.forEach((k, ki) =>
    s('network_naive_inference_onein', `network_naive_inference_onein_${ki}`, 'oneInForecasterInferences', k),
  )
  for (let i = 0; i < ERRORBARS; i++)
    s('network_inference_errorbar', `network_inference_errorbar_${i}`, 'confidenceInterval', 'values', i)

  // ---- settle: consensus (§3.1) and scores (§10) depend on row N alone ----
  const c = (name: string, ...path: (string | number)[]): void =>
    add('consensus_loss', 'settle', none, name, 'consensusLosses', ...path)
  c('network_loss', 'network')
  c('network_naive_loss', 'naive')
  I.forEach((j, ji) => c(`inference_loss_${ji}`, 'inferers', j))
  F.forEach((k, ki) => c(`forecast_implied_inference_loss_${ki}`, 'forecasters', k))
  F.forEach((k, ki) =>
    I.forEach((l, li) => c(`forecast_implied_inference_loss_${ki}_oneout_${li}`, 'oneOutInfererForecasters', k, l)),
  )
  workers.forEach((w) => {
    const [role, id] = worker(w)
    c(`network_loss_oneout_${w}`, role === 'inferers' ? 'oneOutInferers' : 'oneOutForecasters', id)
  })
  F.forEach((k, ki) => c(`network_naive_loss_onein_${ki}`, 'oneInForecasters', k))

  // ---- settle: regrets (§4.2) update row N−1's values ----
  const regrets = ['state', 'regrets']
  workers.forEach((w) =>
    add('regret_network', 'settle', prev, `inference_regret_worker_${w}`, ...regrets, 'network', ...worker(w)),
  )
  I.forEach((j, ji) =>
    add('regret_naive', 'settle', prev, `naive_inference_regret_worker_${ji}`, ...regrets, 'naive', 'inferers', j),
  )
  workers.forEach((l) => {
    const [heldRole, held] = worker(l)
    const familyField = heldRole === 'inferers' ? 'oneOutInferer' : 'oneOutForecaster'
    workers.forEach((w) =>
      add(
        'regret_oneout',
        'settle',
        prev,
        `inference_regret_worker_${w}_oneout_${l}`,
        ...regrets,
        familyField,
        held,
        ...worker(w),
      ),
    )
  })
  F.forEach((k, ki) => {
    I.forEach((j, ji) =>
      add(
        'regret_onein',
        'settle',
        prev,
        `inference_regret_worker_${ji}_onein_${ki}`,
        ...regrets,
        'oneInForecaster',
        k,
        'inferers',
        j,
      ),
    )
    // Column j = nI is the forecaster's self regret R⁺_{k,k}.
    add(
      'regret_onein',
      'settle',
      prev,
      `inference_regret_worker_${nI}_onein_${ki}`,
      ...regrets,
      'oneInForecaster',
      k,
      'forecasters',
      k,
    )
  })

  I.forEach((j, ji) => add('inferer_score', 'settle', none, `inferer_score_${ji}`, 'infererScores', j))
  F.forEach((k, ki) => add('forecaster_score', 'settle', none, `forecaster_score_${ki}`, 'forecasterScores', k))
  add('forecaster_task_score', 'settle', none, 'forecaster_task_score', 'forecastingTaskScore')

  // ---- settle: reputers (§11) start from row N−1's listening coefficients ----
  R.forEach((m, mi) =>
    add(
      'reputer_listening_coefficient',
      'settle',
      prev,
      `reputer_listening_coefficient_${mi}`,
      'state',
      'listeningCoefficients',
      m,
    ),
  )
  R.forEach((m, mi) =>
    add('reputer_adjusted_stake', 'settle', prev, `reputer_adjusted_stake_${mi}`, 'adjustedStakes', m),
  )
  R.forEach((m, mi) => add('reputer_score', 'settle', prev, `reputer_score_${mi}`, 'reputerScores', m))

  // ---- settle: fractions (§11.4, §12), entropies, split (§13), rewards ----
  const inf: Need[] = ['infererHistory']
  const fc: Need[] = ['forecasterHistory']
  I.forEach((j, ji) =>
    add('inferer_reward_fraction', 'settle', inf, `inferer_reward_fraction_${ji}`, 'rewardFractions', 'inferers', j),
  )
  F.forEach((k, ki) =>
    add(
      'forecaster_reward_fraction',
      'settle',
      fc,
      `forecaster_reward_fraction_${ki}`,
      'rewardFractions',
      'forecasters',
      k,
    ),
  )
  R.forEach((m, mi) =>
    add('reputer_reward_fraction', 'settle', prev, `reputer_reward_fraction_${mi}`, 'rewardFractions', 'reputers', m),
  )
  const smooth = ['state', 'smoothedRewardFractions']
  I.forEach((j, ji) =>
    add(
      'inferer_reward_fraction_smooth',
      'settle',
      [...prev, ...inf],
      `inferer_reward_fraction_smooth_${ji}`,
      ...smooth,
      'inferers',
      j,
    ),
  )
  F.forEach((k, ki) =>
    add(
      'forecaster_reward_fraction_smooth',
      'settle',
      [...prev, ...fc],
      `forecaster_reward_fraction_smooth_${ki}`,
      ...smooth,
      'forecasters',
      k,
    ),
  )
  R.forEach((m, mi) =>
    add(
      'reputer_reward_fraction_smooth',
      'settle',
      prev,
      `reputer_reward_fraction_smooth_${mi}`,
      ...smooth,
      'reputers',
      m,
    ),
  )
  add('entropy', 'settle', [...prev, ...inf], 'inferers_entropy', 'entropies', 'inferers')
  add('entropy', 'settle', [...prev, ...fc], 'forecasters_entropy', 'entropies', 'forecasters')
  add('entropy', 'settle', prev, 'reputers_entropy', 'entropies', 'reputers')
  add('forecaster_score_ratio', 'settle', prev, 'forecaster_score_ratio', 'state', 'forecasterScoreRatio')
  add('forecasters_utility', 'settle', prev, 'forecasters_utility', 'forecastingUtility')
  // γ and the task split use F, G and H, so they need both histories.
  add('task_reward_fraction', 'settle', payout, 'inferers_reward_fraction', 'taskRewardFractions', 'inferers')
  add('task_reward_fraction', 'settle', payout, 'forecasters_reward_fraction', 'taskRewardFractions', 'forecasters')
  add('task_reward_fraction', 'settle', payout, 'reputers_reward_fraction', 'taskRewardFractions', 'reputers')
  I.forEach((j, ji) => add('inferer_reward', 'settle', payout, `inferer_reward_${ji}`, 'rewards', 'inferers', j))
  F.forEach((k, ki) =>
    add('forecaster_reward', 'settle', payout, `forecaster_reward_${ki}`, 'rewards', 'forecasters', k),
  )
  R.forEach((m, mi) => add('reputer_reward', 'settle', payout, `reputer_reward_${mi}`, 'rewards', 'reputers', m))
  return out
}

/** Columns that are inputs or labels, never checked. */
export function isInputColumn(name: string): boolean {
  return /^(epoch|target|topic_rewards|inference_\d+|forecasted_loss_\d+_for_\d+|reputer_stake_\d+|reputer_\d+_loss_.+)$/.test(
    name,
  )
}

/** The value at `path` inside an engine output; undefined where the path leads nowhere. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node: unknown = root
  for (const key of path) {
    node = nestedForm(node)
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<string | number, unknown>)[key]
  }
  return node
}

/** Tables and regret families read as the nested maps the column paths name. */
function nestedForm(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node
  const isTable = (v: unknown): v is IdMatrix =>
    typeof v === 'object' && v !== null && (v as IdMatrix).values instanceof Float64Array
  if (isTable(node)) return nestedOf(node)
  const f = node as Partial<RegretFamily>
  if (isTable(f.inferers) && isTable(f.forecasters)) return nestedFamily(node as RegretFamily)
  return node
}
