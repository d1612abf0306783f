/**
 * Topic weights and the split of an epoch's emission among topics (docs/spec/math.md §14.1, §14.2).
 *
 * A topic earns rewards in proportion to its weight: the geometric blend of the stake that
 * secures it and the fee revenue consumers pay for it per unit of epoch length, smoothed over
 * epochs. Pure functions with their own small types; the ledger decides when to call them and
 * what "epoch length" is measured in (blocks on the chain; any unit here, as long as the
 * per-unit emission uses the same one).
 */
import { pow } from './detmath.js'
import { SynthesisError } from './errors.js'
import { emptyRecord } from './id-map.js'
import { ema, sortedIds } from './stats.js'
import type { IdMap } from './types.js'

export interface TopicWeightParams {
  /** μ, TopicRewardStakeImportance. */
  readonly stakeImportance: number
  /** ν, TopicRewardFeeRevenueImportance. */
  readonly feeRevenueImportance: number
  /** EMA weight of the smoothed topic weight, TopicRewardAlpha. */
  readonly alpha: number
  /** Topics whose smoothed weight falls below this are inactivated. */
  readonly minTopicWeight: number
  /** Blocks (epoch-length units) per month; a week is this / 4.345. */
  readonly blocksPerMonth: number
}

/** The chain's defaults (docs/spec/math.md §15). */
export const DEFAULT_TOPIC_WEIGHT_PARAMS: TopicWeightParams = Object.freeze({
  stakeImportance: 0.5,
  feeRevenueImportance: 0.5,
  alpha: 0.5,
  minTopicWeight: 100,
  blocksPerMonth: 864_000,
})

/** Weeks per month in the chain's revenue drip. */
const WEEKS_PER_MONTH = 4.345

function check(value: number, name: string, positive: boolean): void {
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `${name} is not finite (${value})`)
  if (positive ? !(value > 0) : !(value >= 0))
    throw new SynthesisError('INVALID_INPUT', `${name} must be ${positive ? '> 0' : '>= 0'} (got ${value})`)
}

/** x^e, through the exactly rounded square root for the default exponent 1/2. */
function power(x: number, e: number): number {
  if (e === 0.5) return Math.sqrt(x)
  if (e === 1) return x
  return pow(x, e)
}

export interface TopicWeightInput {
  /** S_t: total stake in the topic. */
  readonly stake: number
  /** P_t: the topic's current effective fee revenue. */
  readonly feeRevenue: number
  /** C_t: the topic's epoch length. */
  readonly epochLength: number
}

/** §14.1: Ŵ_t = S^μ · (P/C)^ν; 0 without revenue (a topic nobody pays for earns nothing). */
export function topicWeight(params: TopicWeightParams, input: TopicWeightInput): number {
  check(input.stake, 'stake', false)
  check(input.feeRevenue, 'fee revenue', false)
  check(input.epochLength, 'epoch length', true)
  if (input.feeRevenue === 0 || input.stake === 0) return 0
  return (
    power(input.stake, params.stakeImportance) *
    power(input.feeRevenue / input.epochLength, params.feeRevenueImportance)
  )
}

/** w_t = EMA(α, Ŵ_t, previous w_t); the raw weight itself for a topic never weighed before. */
export function smoothedTopicWeight(params: TopicWeightParams, current: number, previous: number | undefined): number {
  check(current, 'topic weight', false)
  if (previous !== undefined) check(previous, 'previous topic weight', false)
  return ema(params.alpha, current, previous ?? 0, previous === undefined)
}

/** Whether a topic keeps competing for rewards after this epoch (§14.1). */
export function isTopicActive(params: TopicWeightParams, smoothedWeight: number): boolean {
  return smoothedWeight >= params.minTopicWeight
}

/**
 * The revenue "drip" after each topic epoch: P ← max(0, trunc(P − P / (epochs per week))),
 * so revenue decays by one week's worth of epochs and a topic must keep being paid for.
 * Revenue is in whole smallest units, hence the truncation.
 */
export function dripFeeRevenue(params: TopicWeightParams, revenue: number, epochLength: number): number {
  check(revenue, 'fee revenue', false)
  check(epochLength, 'epoch length', true)
  const epochsPerWeek = params.blocksPerMonth / WEEKS_PER_MONTH / epochLength
  const left = Math.trunc(revenue - revenue / epochsPerWeek)
  return left > 0 ? left : 0
}

/**
 * Topic ids by descending smoothed weight, ties by ascending id (the chain breaks ties with a
 * block-seeded random draw; a fixed order keeps this pure).
 */
export function rankTopics(weights: IdMap): string[] {
  return sortedIds(weights).sort((a, b) => weights[b] - weights[a])
}

export interface TopicEmissionInput {
  /** w_t, the smoothed topic weight. */
  readonly weight: number
  /** EpochLength_t, in the unit `emissionPerUnit` is given for. */
  readonly epochLength: number
}

/**
 * §14.2: E_t = w_t / Σ w · e · EpochLength_t for the topics rewarded now, e the emission per
 * unit of epoch length. If that asks for more than the treasury holds, the treasury is split
 * in proportion to w_t · EpochLength_t instead (one topic then takes all of it). Sums run in
 * ascending topic id order; with no weight at all nobody is paid.
 */
export function splitEmission(topics: IdMap<TopicEmissionInput>, emissionPerUnit: number, treasury: number): IdMap {
  check(emissionPerUnit, 'emission per unit', false)
  check(treasury, 'treasury', false)
  const ids = sortedIds(topics)
  let totalWeight = 0
  let totalWeightedLength = 0
  for (const id of ids) {
    const t = topics[id]
    check(t.weight, `weight of topic ${id}`, false)
    check(t.epochLength, `epoch length of topic ${id}`, true)
    totalWeight += t.weight
    totalWeightedLength += t.weight * t.epochLength
  }
  const out = emptyRecord<number>()
  if (!(totalWeight > 0)) {
    for (const id of ids) out[id] = 0
    return out
  }
  let asked = 0
  for (const id of ids) {
    out[id] = (topics[id].weight / totalWeight) * emissionPerUnit * topics[id].epochLength
    asked += out[id]
  }
  if (asked > treasury) {
    for (const id of ids) out[id] = (treasury * (topics[id].weight * topics[id].epochLength)) / totalWeightedLength
  }
  return out
}
