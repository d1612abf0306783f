/** The committee as libp2p peers, for the transport's priority rules (sync slots kept for members). */
import { peerIdOfParticipant } from '../p2p/index.js'
import type { Committee } from './bft/index.js'

/** Is a libp2p peer id one of the current committee's members? (Recomputed when the committee changes.) */
export function committeePeers(committee: () => Committee): (peer: string) => boolean {
  let of: Committee | undefined
  let peers = new Set<string>()
  return (peer) => {
    const current = committee()
    if (current !== of) {
      of = current
      peers = new Set(current.ids.map((id) => peerIdOfParticipant(id)))
    }
    return peers.has(peer)
  }
}

/** The participant id of the committee member behind a libp2p peer id, if it is one. */
export function committeeMemberOfPeer(committee: () => Committee): (peer: string) => string | undefined {
  let of: Committee | undefined
  let members = new Map<string, string>()
  return (peer) => {
    const current = committee()
    if (current !== of) {
      of = current
      members = new Map(current.ids.map((id) => [peerIdOfParticipant(id), id]))
    }
    return members.get(peer)
  }
}
