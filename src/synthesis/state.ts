import { NOTHING_DEPARTED } from './departed-regrets.js'
import { EMPTY_MATRIX } from './id-matrix.js'
import type { RegretFamily, TopicState } from './types.js'

export const EMPTY_FAMILY: RegretFamily = Object.freeze({
  inferers: EMPTY_MATRIX,
  forecasters: EMPTY_MATRIX,
  departed: Object.freeze({ inferers: NOTHING_DEPARTED, forecasters: NOTHING_DEPARTED }),
})

/** The state of a topic that has never been settled: new-topic mode, nothing stored. */
export function emptyTopicState(): TopicState {
  return {
    initialRegret: 0,
    previousNetworkLoss: null,
    regrets: {
      network: { inferers: {}, forecasters: {} },
      naive: { inferers: {}, forecasters: {} },
      oneOutInferer: EMPTY_FAMILY,
      oneOutForecaster: EMPTY_FAMILY,
      oneInForecaster: EMPTY_FAMILY,
    },
    infererInclusionCounts: {},
    forecasterInclusionCounts: {},
    listeningCoefficients: {},
    smoothedRewardFractions: { inferers: {}, forecasters: {}, reputers: {} },
    scoreHistory: { inferers: [], forecasters: [] },
    forecasterScoreRatio: 0,
  }
}
