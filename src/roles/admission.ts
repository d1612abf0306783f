/**
 * The roles' admission rules, handed to the transport's validator: which signer may send
 * which message, read from the committed chain (a registration honoured once its block is
 * adopted), and when (epoch windows, from the topic's clock).
 */
import type { Envelope } from '../wire/index.js'
import type { Authorization, EpochVerdict, MessageRef, ValidationPolicy } from '../p2p/index.js'
import type { ChainState } from '../consensus/chain/execution.js'
import { upcomingMembers } from '../consensus/chain/committees.js'
import { accountOf, isRegistered, type TopicRole } from '../consensus/ledger/index.js'
import { epochVerdict, type TopicRuntime } from '../topic/windows.js'

/**
 * Heights below the chain's after which the validator forgets who sent proposals, votes and
 * commit notices. Nothing of such a height changes anything here (the driver takes proposals
 * and votes for the next two heights only, commit notices above its own), so the slots are only
 * replay bookkeeping; and gossipsub's seen cache keeps the same bytes from being relayed again
 * for its seenTtl anyway. 64 heights leave room for a node a few blocks behind its peers.
 */
export const CONSENSUS_SLOT_HEIGHTS = 64

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
    isPast(message: MessageRef): boolean {
      switch (message.type) {
        case 'proposal':
        case 'vote':
        case 'commit':
          return message.epoch < chain().height - CONSENSUS_SLOT_HEIGHTS
        case 'tx':
          return false // one group for every tx (epoch 0): left to the validator's capacity
        default: {
          // Too old for the window: checkEpoch turns such a message down before its slot is read.
          const topic = topics.get(message.topicId)
          return topic !== undefined && epochVerdict(message, topic) === 'too-old'
        }
      }
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
          return committeeSigner(chain(), id)
        case 'tx':
          return 'ok'
      }
    },
  }
}

/**
 * A member of the last, the next or an upcoming committee may send consensus messages. A
 * known account may have been elected in a block this node has not adopted yet, so it is not
 * blamed; a signer the ledger has never seen could not have been elected at all.
 */
function committeeSigner(chain: ChainState, id: string): Authorization {
  if (chain.committee.has(id) || chain.lastCommittee.has(id) || upcomingMembers(chain.ledger).has(id)) return 'ok'
  return knownAccount(chain, id) ? 'not-registered' : 'unknown-signer'
}

function knownAccount(chain: ChainState, id: string): boolean {
  const account = accountOf(chain.ledger, id)
  return account.balance > 0n || account.stake > 0n || account.nonce > 0
}

/**
 * A registered participant may send; an account that is not (yet) registered may have
 * registered in a block this node has not adopted, so it is not blamed; a signer the ledger
 * has never seen could not have registered at all.
 */
function participant(chain: ChainState, topicId: string, role: TopicRole, id: string): Authorization {
  if (isRegistered(chain.ledger, topicId, role, id)) return 'ok'
  return knownAccount(chain, id) ? 'not-registered' : 'unknown-signer'
}
