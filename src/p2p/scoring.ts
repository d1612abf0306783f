/**
 * Gossipsub peer-score parameters of a Chorus channel. Only invalid deliveries (validator
 * rejects) cost score: epochs are sparse, so gossipsub's mesh-delivery-rate penalties would
 * punish honest but quiet peers.
 */
import {
  createTopicScoreParams,
  type PeerScoreThresholds,
  type TopicScoreParams,
} from '@chainsafe/libp2p-gossipsub/score'

/**
 * Gossipsub's score thresholds (its defaults, named here so the penalties of this layer can be
 * sized against them): below `graylistThreshold` every RPC of a peer is dropped unread.
 */
export const SCORE_THRESHOLDS: Readonly<PeerScoreThresholds> = Object.freeze({
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 20,
})

export function channelScoreParams(): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    // Score falls with the square of the count: one stray reject costs 1, a flood graylists;
    // the count decays by 10% a second, so a burst is remembered for tens of seconds.
    invalidMessageDeliveriesWeight: -1,
    invalidMessageDeliveriesDecay: 0.9,
  })
}
