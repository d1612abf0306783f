/**
 * The network as the dashboard shows it (`GET /v1/dashboard/network`): the peers this node is
 * connected to, each with the roles the committed ledger gives its key (a peer id is bound to
 * its participant key, so a peer cannot claim a role it does not hold), the messages this node
 * refused by reason, and the live stream's own bounds.
 */
import { isRegistered, type LedgerState } from '../consensus/ledger/index.js'
import type { ChainState } from '../consensus/chain/execution.js'
import { participantOfPeerId } from '../p2p/index.js'
import type { LiveStats } from './live.js'
import type { ApiNode } from './node.js'

export interface PeerView {
  readonly peerId: string
  /** null for a peer whose id is not an ed25519 key (not a Chorus participant). */
  readonly participant: string | null
  /** `coordinator` (a committee member), `worker` and `reputer` (registered for some topic); empty for an onlooker. */
  readonly roles: readonly string[]
  /** Topics the peer works on as a worker or reputer. */
  readonly topics: readonly string[]
}

export interface NetworkView {
  readonly self: PeerView
  readonly peers: readonly PeerView[]
  /** Peers by role (a peer with two roles counts in both; `none` for onlookers). */
  readonly roleCounts: Readonly<Record<string, number>>
  readonly connections: number | null
  /** Gossip messages this node refused or ignored since it started, by `result:reason`. */
  readonly refused: Readonly<Record<string, number>>
  readonly live: LiveStats
}

function topicRoles(ledger: LedgerState, id: string): { roles: string[]; topics: string[] } {
  const roles = new Set<string>()
  const topics: string[] = []
  for (const topicId of [...ledger.topics.keys()].sort()) {
    let works = false
    for (const role of ['worker', 'reputer'] as const)
      if (isRegistered(ledger, topicId, role, id)) {
        roles.add(role)
        works = true
      }
    if (works) topics.push(topicId)
  }
  return { roles: [...roles], topics }
}

function peerView(chain: ChainState, peerId: string, participant: string | undefined): PeerView {
  if (participant === undefined) return { peerId, participant: null, roles: [], topics: [] }
  const { roles, topics } = topicRoles(chain.ledger, participant)
  if (chain.committee.has(participant)) roles.unshift('coordinator')
  return { peerId, participant, roles, topics }
}

export function networkView(node: ApiNode, live: LiveStats): NetworkView {
  const chain = node.chain()
  const peers = [...node.connectedPeers()].sort().map((p) => peerView(chain, p, participantOfPeerId(p)))
  const roleCounts: Record<string, number> = {}
  for (const p of peers)
    for (const role of p.roles.length === 0 ? ['none'] : p.roles) roleCounts[role] = (roleCounts[role] ?? 0) + 1
  const stats = node.stats?.()
  const refused = Object.fromEntries(
    Object.entries(stats?.messagesByReason ?? {}).filter(([key, n]) => !key.startsWith('accept') && n > 0),
  )
  return {
    self: peerView(chain, node.peerId, node.participantId),
    peers,
    roleCounts,
    connections: stats?.connections ?? null,
    refused,
    live,
  }
}
