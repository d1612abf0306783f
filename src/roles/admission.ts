/**
 * The roles' admission rules, handed to the transport's validator: which signer may send
 * which message (registration) and when (epoch windows, from the topic's clock).
 */
import type { Envelope } from '../wire/index.js'
import type { EpochVerdict, ValidationPolicy } from '../p2p/index.js'
import { epochVerdict, type TopicRuntime } from '../topic/windows.js'
import type { RegistryView } from './registry.js'

export function admissionPolicy(
  registry: RegistryView,
  topics: ReadonlyMap<string, TopicRuntime>,
): Omit<ValidationPolicy, 'chainId'> {
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
