import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../p2p/index.js'
import type { DepartedSide, IdMatrix, RegretFamily, TopicState } from '../synthesis/types.js'

/**
 * SHA-256 (hex) of a topic state: equal states, equal hashes. What is hashed is the state's
 * canonical encoding with every departed chunk of a regret family (what left its tables:
 * synthesis/departed-regrets.ts) replaced by the SHA-256 of its own canonical encoding, and
 * without the chunks' id unions (they follow from the chunks). The encoding is of the
 * engine's form, so it covers how a regret family is held (the tables' rows and columns, the
 * chunks), not only its values: every node builds it the same way by executing the same
 * blocks.
 *
 * Why chunks are hashed apart: the spec keeps every departed worker's regrets, so they pile
 * up with every worker that ever left (after 200 epochs of 5% churn at 300 inferers, ~3,000
 * records and a million regrets), and encoding them all canonically took ~0.9 s per block.
 * A settlement carries a chunk over as the same object, so its digest is computed once and
 * kept (per object).
 *
 * v3: regret families as tables and departed chunks, chunks by digest. v2: families with
 * dormant rows. The version is a consensus rule: the genesis pins it with each topic's rules
 * (topic-rules.ts).
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

const CHUNK_DIGESTS = new WeakMap<IdMatrix, Uint8Array>()

function digested(family: RegretFamily): unknown {
  const side = (d: DepartedSide): Uint8Array[] => d.chunks.map(digestOf)
  return { inferers: family.inferers, forecasters: family.forecasters, departed: { inferers: side(family.departed.inferers), forecasters: side(family.departed.forecasters) } }
}

/** A state is immutable (readonly throughout; a settlement only appends chunks), so a chunk's digest stays its digest. */
function digestOf(chunk: IdMatrix): Uint8Array {
  let digest = CHUNK_DIGESTS.get(chunk)
  if (digest === undefined) {
    digest = sha256('chorus/departed-regrets/v1', encodeCanonical(chunk))
    CHUNK_DIGESTS.set(chunk, digest)
  }
  return digest
}

function sha256(domain: string, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(domain).update(bytes).digest())
}
