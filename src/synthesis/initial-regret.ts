/**
 * The topic's initial regret, the regret a worker without a stored one is given
 * (docs/spec/math.md §4.3; epoch-json §6.12).
 */
import { own } from './id-map.js'
import { quantileDescending, sampleStdDev } from './stats.js'
import type { IdMap, RegretSet, SynthesisParams } from './types.js'

type InitialRegretParams = Pick<
  SynthesisParams,
  'cNorm' | 'pNorm' | 'pNormSafeDiv' | 'epsilon' | 'initialRegretQuantile'
>

/**
 * q + (c − PNormSafeDiv/p)·(σ + ε) over a non-empty sample: a newcomer starts well below the
 * quantile q of experienced regrets, so it must earn its weight.
 */
export function initialRegretOf(sample: readonly number[], params: InitialRegretParams): number {
  const den = Math.abs(sampleStdDev(sample)) + params.epsilon
  const offset = params.cNorm - params.pNormSafeDiv / params.pNorm
  return quantileDescending(sample, params.initialRegretQuantile) + offset * den
}

/**
 * Ids of this epoch's workers of one role that count as experienced: a stored network regret
 * before this update and at least 1/α_R paid epochs (counts before this epoch's increment).
 */
function experienced(ids: readonly string[], storedBefore: IdMap, counts: IdMap, threshold: number): string[] {
  return ids.filter((id) => own(storedBefore, id) !== undefined && (own(counts, id) ?? 0) >= threshold)
}

export interface InitialRegretInput {
  /** Ascending ids of this epoch's inferers and forecasters (keys of the consensus losses). */
  readonly inferers: readonly string[]
  readonly forecasters: readonly string[]
  /** Network regrets before and after this epoch's update. */
  readonly before: RegretSet
  readonly after: RegretSet
  readonly infererInclusionCounts: IdMap
  readonly forecasterInclusionCounts: IdMap
  readonly current: number
}

/**
 * The new initial regret: from the updated network regrets of the experienced inferers
 * (ascending) followed by the experienced forecasters (ascending); unchanged if there are none.
 */
export function nextInitialRegret(
  params: InitialRegretParams & Pick<SynthesisParams, 'alphaRegret'>,
  input: InitialRegretInput,
): number {
  const threshold = 1 / params.alphaRegret
  const inferers = experienced(input.inferers, input.before.inferers, input.infererInclusionCounts, threshold)
  const forecasters = experienced(
    input.forecasters,
    input.before.forecasters,
    input.forecasterInclusionCounts,
    threshold,
  )
  if (inferers.length + forecasters.length === 0) return input.current
  const sample = [
    ...inferers.map((id) => input.after.inferers[id]),
    ...forecasters.map((id) => input.after.forecasters[id]),
  ]
  return initialRegretOf(sample, params)
}
