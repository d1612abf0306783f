import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../p2p/index.js'
import type { IdMap, RegretFamily, RegretSet, TopicState } from '../synthesis/types.js'

/**
 * SHA-256 (hex) of a topic state: equal states, equal hashes. What is hashed is the state's
 * canonical encoding with every dormant regret record (a regret family's row whose worker sat
 * out a settlement) replaced by the SHA-256 of its own canonical encoding. The encoding is of
 * the engine's form, so it covers how a regret family is held (which rows are tables, which
 * are dormant records, and the tables' columns), not only its values: every node builds it the
 * same way by executing the same blocks.
 *
 * Why the records are hashed apart: the spec keeps every departed worker's regrets, so dormant
 * records pile up with every worker that ever left (after 200 epochs of 5% churn at 300
 * inferers: ~3,000 records, a million regrets), and encoding them all canonically took ~0.9 s
 * per block. A settlement carries a record over as the same object, so its digest is computed
 * once and kept (per object) for the blocks after.
 *
 * v3: dormant records by digest. v2: families with dormant rows. The version is a consensus
 * rule: the genesis pins it with each topic's rules (topic-rules.ts).
 */
export const STATE_HASH_VERSION = 3

export function stateHash(state: TopicState): string {
  const r = state.regrets
  const hashed = {
    ...state,
    regrets: { ...r, oneOutInferer: digested(r.oneOutInferer), oneOutForecaster: digested(r.oneOutForecaster), oneInForecaster: digested(r.oneInForecaster) },
  }
  return toHex(sha256(`chorus/topic-state/v${STATE_HASH_VERSION}`, encodeCanonical(hashed)))
}

const RECORD_DIGESTS = new WeakMap<RegretSet, Uint8Array>()

function digested(family: RegretFamily): { inferers: RegretFamily['inferers']; forecasters: RegretFamily['forecasters']; dormant: IdMap<Uint8Array> } {
  const dormant: Record<string, Uint8Array> = {}
  for (const id of Object.keys(family.dormant)) dormant[id] = digestOf(family.dormant[id])
  return { inferers: family.inferers, forecasters: family.forecasters, dormant }
}

/**
 * A state is immutable (readonly throughout; a settlement builds new records), so a record's
 * digest stays its digest.
 */
function digestOf(record: RegretSet): Uint8Array {
  let digest = RECORD_DIGESTS.get(record)
  if (digest === undefined) {
    digest = sha256('chorus/dormant-regrets/v1', encodeCanonical(record))
    RECORD_DIGESTS.set(record, digest)
  }
  return digest
}

function sha256(domain: string, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(domain).update(bytes).digest())
}
