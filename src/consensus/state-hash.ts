import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../p2p/index.js'
import type { TopicState } from '../synthesis/types.js'

/** SHA-256 (hex) of a topic state's canonical encoding: equal states, equal hashes. */
export function stateHash(state: TopicState): string {
  return toHex(createHash('sha256').update('chorus/topic-state/v1').update(encodeCanonical(state)).digest())
}
