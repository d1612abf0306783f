/**
 * Checks the synthesize step's inputs and lays them out for the numeric kernels: ids
 * sorted once, values in Float64Arrays indexed by sorted position, forecast elements as
 * index arrays. Every number the step reads is checked here or where it is read (stored
 * regrets, `combine.regretOf`), so nothing non-finite reaches the arithmetic.
 */
import { SynthesisError } from './errors.js'
import { checkFamily } from './regret-family.js'
import { inferenceValue, log10Loss } from './input-ranges.js'
import type { ForecastRow } from './forecast-implied.js'
import { sortedIds } from './stats.js'
import type { IdMap, SynthesisInput, SynthesisParams, TopicState } from './types.js'

export interface IndexedEpoch {
  readonly infererIds: readonly string[]
  /** I_ij by sorted inferer position. */
  readonly inferences: Float64Array
  /** Forecasters (ascending id) with at least one element naming an inferer of this epoch. */
  readonly forecasts: readonly ForecastRow[]
}

export function checkParams(params: SynthesisParams): void {
  const { pNorm, cNorm, epsilon, epsilonSafeDiv } = params
  const bad = (name: string, why: string): never => {
    throw new SynthesisError('INVALID_PARAMS', `parameter "${name}" ${why}`)
  }
  if (!(Number.isFinite(pNorm) && pNorm > 0)) bad('pNorm', 'must be a finite number > 0')
  if (!Number.isFinite(cNorm)) bad('cNorm', 'must be a finite number')
  // Regrets are normalised by multiplying with 1/(|σ| + ε) (weights.ts): for ε below about
  // 5.6e-309 that is ∞ when σ = 0, and a regret of 0 times ∞ is NaN.
  if (!(Number.isFinite(epsilon) && epsilon > 0 && 1 / epsilon < Infinity))
    bad('epsilon', 'must be a finite number > 0 with a finite reciprocal')
  if (!(Number.isFinite(epsilonSafeDiv) && epsilonSafeDiv > 0)) bad('epsilonSafeDiv', 'must be a finite number > 0')
}

/**
 * The state fields synthesis reads. Regret families are checked whole (shape, no ±∞);
 * the network and naive records are checked where they are read.
 */
export function checkState(state: TopicState): void {
  finiteNumber(state.initialRegret, 'state.initialRegret')
  if (state.previousNetworkLoss !== null) log10Loss(state.previousNetworkLoss, 'state.previousNetworkLoss')
  const regrets = record(state.regrets, 'state.regrets')
  for (const family of ['oneOutInferer', 'oneOutForecaster', 'oneInForecaster'] as const)
    checkFamily(regrets[family], `state.regrets.${family}`)
}

/**
 * Sorted inferers and usable forecast rows. `previousLoss` is L_{i−1} for the forecasted
 * regrets R_ijk = L_{i−1} − L̂_ijk, or null when they are not needed (they are then 0).
 */
export function indexEpoch(input: SynthesisInput, previousLoss: number | null): IndexedEpoch {
  const inferenceMap = record(input.inferences, 'inferences')
  const infererIds = sortedIds(inferenceMap)
  const inferences = new Float64Array(infererIds.length)
  const position = new Map<string, number>()
  for (let j = 0; j < infererIds.length; j++) {
    inferences[j] = inferenceValue(inferenceMap[infererIds[j]], `inference of "${infererIds[j]}"`)
    position.set(infererIds[j], j)
  }
  const forecastMap = record(input.forecasts, 'forecasts')
  const forecasts: ForecastRow[] = []
  for (const id of sortedIds(forecastMap)) {
    const elements = record(forecastMap[id], `forecast of "${id}"`)
    const covered: number[] = []
    const losses: number[] = []
    // Elements naming an inferer without an inference are ignored (§2), but still checked:
    // they are input all the same.
    for (const inferer of sortedIds(elements)) {
      const loss = log10Loss(elements[inferer], `forecast of "${id}" for "${inferer}"`)
      const j = position.get(inferer)
      if (j === undefined) continue
      covered.push(j)
      losses.push(loss)
    }
    if (covered.length === 0) continue
    const regrets = new Float64Array(covered.length)
    if (previousLoss !== null) {
      for (let e = 0; e < covered.length; e++) {
        regrets[e] = finiteNumber(
          previousLoss - losses[e],
          `forecasted regret of "${id}" for "${infererIds[covered[e]]}"`,
        )
      }
    }
    forecasts.push({ id, inferers: Int32Array.from(covered), regrets })
  }
  return { infererIds, inferences, forecasts }
}

function record(value: unknown, what: string): IdMap<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SynthesisError('INVALID_INPUT', `${what} must be an object keyed by id`)
  }
  return value as IdMap<unknown>
}

export function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number') throw new SynthesisError('INVALID_INPUT', `${what} must be a number`)
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `${what} is not finite (${value})`)
  return value
}
