/**
 * The roles' admission rules, handed to the transport's validator: which signer may send
 * which message (registration) and when (epoch windows, from the topic's clock).
 */
import type { Envelope, ValidationPolicy, EpochVerdict } from '../p2p/index.js'
import type { EpochClock } from './epoch-clock.js'
import type { RegistryView } from './registry.js'
import type { TopicConfig } from './topic.js'

export interface TopicRuntime {
  readonly config: TopicConfig
  readonly clock: EpochClock
}

/** How many epochs back decisions and loss bundles are still accepted (late joiners, slow reputers). */
export const PAST_EPOCHS_ACCEPTED = 8

/** Slack for gossip latency and clock skew between local nodes. */
export function graceMs(config: TopicConfig): number {
  return Math.min(100, Math.floor(config.epochMs / 10))
}

export function admissionPolicy(registry: RegistryView, topics: ReadonlyMap<string, TopicRuntime>): Omit<ValidationPolicy, 'chainId'> {
  return {
    checkEpoch(envelope: Envelope): EpochVerdict {
      const topic = topics.get(envelope.topicId)
      if (topic === undefined) return 'ok' // not a topic this node serves: registration still applies
      return epochVerdict(envelope, topic)
    },
    isAuthorized(envelope: Envelope): boolean {
      const id = Buffer.from(envelope.signer).toString('hex')
      switch (envelope.type) {
        case 'inference':
        case 'inference-commit':
        case 'forecast':
          return registry.isRegistered(envelope.topicId, 'worker', id)
        case 'loss-bundle':
          return registry.isRegistered(envelope.topicId, 'reputer', id)
        case 'decision':
        case 'proposal':
        case 'vote':
        case 'commit':
          return registry.isCoordinator(id)
        case 'tx':
          return true
      }
    },
  }
}

function epochVerdict(envelope: Envelope, { config, clock }: TopicRuntime): EpochVerdict {
  const now = clock.time()
  const e = envelope.epoch
  const grace = graceMs(config)
  switch (envelope.type) {
    case 'inference-commit':
    case 'forecast':
    case 'inference': {
      if (now < clock.startOf(e) - config.epochMs) return 'too-far'
      // A reveal comes after the window; everything else must arrive inside it.
      const revealing = envelope.type === 'inference' && config.commitReveal
      const deadline = revealing ? clock.endOf(e) : clock.startOf(e) + config.submissionWindowMs
      return now > deadline + grace ? 'too-old' : 'ok'
    }
    case 'loss-bundle': {
      // The truth of e is known once epoch e + lag opens.
      if (now + grace < clock.startOf(e + config.groundTruthLag)) return 'too-far'
      return clock.current() - e > config.groundTruthLag + PAST_EPOCHS_ACCEPTED ? 'too-old' : 'ok'
    }
    case 'decision': {
      if (now + grace < clock.endOf(e)) return 'too-far'
      return clock.current() - e > PAST_EPOCHS_ACCEPTED ? 'too-old' : 'ok'
    }
    default:
      return 'ok'
  }
}
