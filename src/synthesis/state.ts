import type { TopicState } from './types.js'

/** The state of a topic that has never been settled: new-topic mode, nothing stored. */
export function emptyTopicState(): TopicState {
  return {
    initialRegret: 0,
    previousNetworkLoss: null,
    regrets: {
      network: { inferers: {}, forecasters: {} },
      naive: { inferers: {}, forecasters: {} },
      oneOutInferer: {},
      oneOutForecaster: {},
      oneInForecaster: {},
    },
    infererInclusionCounts: {},
    forecasterInclusionCounts: {},
    listeningCoefficients: {},
    smoothedRewardFractions: { inferers: {}, forecasters: {}, reputers: {} },
    scoreHistory: { inferers: [], forecasters: [] },
    forecasterScoreRatio: 0,
  }
}
