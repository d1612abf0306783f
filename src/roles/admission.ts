/**
 * The roles' admission rules, handed to the transport's validator: which signer may send
 * which message, read from the committed chain (a registration honoured once its block is
 * adopted), and when (epoch windows, from the topic's clock).
 */
import type { Envelope } from '../wire/index.js'
import type { Authorization, EpochVerdict, ValidationPolicy } from '../p2p/index.js'
import type { ChainState } from '../consensus/chain/execution.js'
import { accountOf, isRegistered, type TopicRole } from '../consensus/ledger/index.js'
import { epochVerdict, type TopicRuntime } from '../topic/windows.js'

export function admissionPolicy(
  chain: () => ChainState,
  topics: ReadonlyMap<string, TopicRuntime>,
): Omit<ValidationPolicy, 'chainId'> {
  return {
    checkEpoch(envelope: Envelope): EpochVerdict {
      const topic = topics.get(envelope.topicId)
      if (topic === undefined) return 'ok' // not a topic this node serves: registration still applies
      return epochVerdict(envelope, topic)
    },
    authorize(envelope: Envelope): Authorization {
      const id = Buffer.from(envelope.signer).toString('hex')
      switch (envelope.type) {
        case 'inference':
        case 'inference-commit':
        case 'forecast':
          return participant(chain(), envelope.topicId, 'worker', id)
        case 'loss-bundle':
          return participant(chain(), envelope.topicId, 'reputer', id)
        case 'proposal':
        case 'vote':
        case 'commit':
          return chain().committee.has(id) ? 'ok' : 'unknown-signer'
        case 'tx':
          return 'ok'
      }
    },
  }
}

/**
 * A registered participant may send; an account that is not (yet) registered may have
 * registered in a block this node has not adopted, so it is not blamed; a signer the ledger
 * has never seen could not have registered at all.
 */
function participant(chain: ChainState, topicId: string, role: TopicRole, id: string): Authorization {
  if (isRegistered(chain.ledger, topicId, role, id)) return 'ok'
  const account = accountOf(chain.ledger, id)
  return account.balance > 0n || account.stake > 0n || account.nonce > 0 ? 'not-registered' : 'unknown-signer'
}
