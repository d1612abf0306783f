/**
 * Checks of the settle step's inputs that the math relies on (epoch-json §4.1, §6.23;
 * docs/spec/math.md §16 "NaN anywhere else aborts the whole computation"). Loss values and stored
 * regrets are checked where they are read (consensus-losses.ts, regrets.ts).
 */
import { SynthesisError } from './errors.js'
import { checkedIds, markChecked } from './id-map.js'
import { checkFamily } from './regret-family.js'
import type { IdMap, SettleInput, TopicState } from './types.js'

function finite(value: number, path: string): void {
  if (typeof value !== 'number') throw new SynthesisError('INVALID_INPUT', `${path} must be a number`)
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `${path} is not finite (${value})`)
}

/** Checks every value of a record not yet known checked, then marks it so. */
function inRange(map: IdMap, path: string, lo: number, hi: number): void {
  if (checkedIds(map) !== undefined) return
  for (const id of Object.keys(map)) {
    finite(map[id], `${path}.${id}`)
    if (!(map[id] >= lo && map[id] <= hi))
      throw new SynthesisError('INVALID_INPUT', `${path}.${id} must be in [${lo}, ${hi}] (got ${map[id]})`)
  }
  markChecked(map, Object.keys(map).sort())
}

/** What settlement writes into each ranged record must pass the same range to stay checked. */
export const validInclusionCount = (v: number): boolean => v >= 0 && v <= Number.MAX_SAFE_INTEGER
export const validUnitValue = (v: number): boolean => v >= 0 && v <= 1

/** Throws the SynthesisError the first violated rule calls for. */
export function validateSettleInput(input: SettleInput, state: TopicState): void {
  const ids = Object.keys(input.reputers)
  if (ids.length === 0) throw new SynthesisError('NO_REPUTERS', 'the settle step needs at least one reputer')
  for (const id of ids) {
    const stake = input.reputers[id].stake
    finite(stake, `reputers.${id}.stake`)
    if (!(stake > 0)) throw new SynthesisError('ZERO_STAKE', `reputers.${id}.stake must be > 0 (got ${stake})`)
  }
  finite(input.topicReward, 'topic_reward')
  if (!(input.topicReward >= 0))
    throw new SynthesisError('INVALID_INPUT', `topic_reward must be >= 0 (got ${input.topicReward})`)

  finite(state.initialRegret, 'state.initial_regret')
  if (state.previousNetworkLoss !== null) finite(state.previousNetworkLoss, 'state.previous_network_loss')
  finite(state.forecasterScoreRatio, 'state.forecaster_score_ratio')
  // Network and naive regrets are checked as regrets.ts reads them; the families whole.
  for (const family of ['oneOutInferer', 'oneOutForecaster', 'oneInForecaster'] as const)
    checkFamily(state.regrets[family], `state.regrets.${family}`)
  inRange(state.infererInclusionCounts, 'state.inferer_inclusion_counts', 0, Number.MAX_SAFE_INTEGER)
  inRange(state.forecasterInclusionCounts, 'state.forecaster_inclusion_counts', 0, Number.MAX_SAFE_INTEGER)
  inRange(state.listeningCoefficients, 'state.listening_coefficients', 0, 1)
  inRange(state.smoothedRewardFractions.inferers, 'state.smoothed_reward_fractions.inferers', 0, 1)
  inRange(state.smoothedRewardFractions.forecasters, 'state.smoothed_reward_fractions.forecasters', 0, 1)
  inRange(state.smoothedRewardFractions.reputers, 'state.smoothed_reward_fractions.reputers', 0, 1)
  state.scoreHistory.inferers.forEach((v, i) => finite(v, `state.score_history.inferers.${i}`))
  state.scoreHistory.forecasters.forEach((v, i) => finite(v, `state.score_history.forecasters.${i}`))
}
