import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../p2p/index.js'
import { parentOf } from '../synthesis/departed-regrets.js'
import type { DepartedSide, IdMatrix, RegretFamily, TopicState } from '../synthesis/types.js'

/**
 * SHA-256 (hex) of a topic state: equal states, equal hashes. What is hashed is the state's
 * canonical encoding with the departed chunks of each side of a regret family (what left its
 * tables: synthesis/departed-regrets.ts) replaced by one digest chained over their digests
 * (sideDigest), and without the chunks' id unions (they follow from the chunks). The encoding is of the
 * engine's form, so it covers how a regret family is held (the tables' rows and columns, the
 * chunks), not only its values: every node builds it the same way by executing the same
 * blocks.
 *
 * Why chunks are hashed apart: the spec keeps every departed worker's regrets, so they pile
 * up with every worker that ever left (after 200 epochs of 5% churn at 300 inferers, ~3,000
 * records and a million regrets), and encoding them all canonically took ~0.9 s per block.
 * A settlement carries a chunk over as the same object and appends new ones, so each digest
 * is computed once and kept (per object), and a block hashes only what is new.
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
const SIDE_DIGESTS = new WeakMap<DepartedSide, Uint8Array>()

function digested(family: RegretFamily): unknown {
  return { inferers: family.inferers, forecasters: family.forecasters, departed: { inferers: sideDigest(family.departed.inferers), forecasters: sideDigest(family.departed.forecasters) } }
}

/**
 * A chain over a side's chunks, oldest first: d₀ = H(""), dₖ₊₁ = H(dₖ ‖ digest of chunk k), so
 * equal chunk lists give equal digests. A side grows by appending, so its digest continues
 * from its parent's (kept per object) over the chunks appended: each block hashes what is new,
 * not every chunk since genesis.
 */
function sideDigest(side: DepartedSide): Uint8Array {
  const cached = SIDE_DIGESTS.get(side)
  if (cached !== undefined) return cached
  // The nearest ancestor with a digest (a walk, not recursion: a chain can be long).
  const path: DepartedSide[] = [side]
  let base: DepartedSide | undefined = parentOf(side)
  while (base !== undefined && !SIDE_DIGESTS.has(base)) {
    path.push(base)
    base = parentOf(base)
  }
  let digest = base === undefined ? sha256('chorus/departed-chain/v1', new Uint8Array(0)) : (SIDE_DIGESTS.get(base) as Uint8Array)
  let from = base === undefined ? 0 : base.chunks.length
  for (let i = path.length - 1; i >= 0; i--) {
    const s = path[i]
    for (let k = from; k < s.chunks.length; k++) digest = sha256('chorus/departed-chain/v1', concat(digest, digestOf(s.chunks[k])))
    from = s.chunks.length
    SIDE_DIGESTS.set(s, digest)
  }
  return digest
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
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
