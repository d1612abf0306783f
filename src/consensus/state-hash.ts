import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../p2p/index.js'
import type { TopicState } from '../synthesis/types.js'

/**
 * SHA-256 (hex) of a topic state's canonical encoding: equal states, equal hashes. The
 * encoding is of the engine's form, so it covers how a regret family is held (which rows are
 * tables, which are dormant records, and the tables' columns), not only its values: every node
 * builds it the same way by executing the same blocks. v2: families with dormant rows.
 */
export function stateHash(state: TopicState): string {
  return toHex(createHash('sha256').update('chorus/topic-state/v2').update(encodeCanonical(state)).digest())
}
