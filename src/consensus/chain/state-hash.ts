import { createHash } from 'node:crypto'
import { encodeCanonical, toHex } from '../../wire/index.js'
import { derivationOf, type Derivation } from '../../synthesis/departed-regrets.js'
import type { DepartedSide, IdMatrix, RegretFamily, TopicState } from '../../synthesis/types.js'

/**
 * SHA-256 (hex) of a topic state: equal states, equal hashes. What is hashed is the state's
 * canonical encoding with the departed chunks of each side of a regret family (what left its
 * tables: synthesis/departed-regrets.ts) replaced by one digest of their digests (sideDigest),
 * and without the id unions kept beside them (a quick "never left", which only saves work).
 * The encoding is of the engine's form, so it covers how a regret family is held (the tables'
 * rows and columns, the chunks), not only its values: every node builds it the same way by
 * executing the same blocks.
 *
 * Why chunks are hashed apart: the spec keeps every departed worker's regrets, so they pile
 * up with every worker that ever left (after 200 epochs of 5% churn at 300 inferers, ~3,000
 * records and a million regrets), and encoding them all canonically took ~0.9 s per block.
 * A settlement carries a chunk over as the same object, so each digest is computed once and
 * kept (per object), and a block hashes only what changed.
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
    regrets: {
      ...r,
      oneOutInferer: digested(r.oneOutInferer),
      oneOutForecaster: digested(r.oneOutForecaster),
      oneInForecaster: digested(r.oneInForecaster),
    },
  }
  return toHex(sha256(`chorus/topic-state/v${STATE_HASH_VERSION}`, encodeCanonical(hashed)))
}

const CHUNK_DIGESTS = new WeakMap<IdMatrix, Uint8Array>()
const SIDE_SUMS = new WeakMap<DepartedSide, bigint>()

function digested(family: RegretFamily): unknown {
  return {
    inferers: family.inferers,
    forecasters: family.forecasters,
    departed: { inferers: sideDigest(family.departed.inferers), forecasters: sideDigest(family.departed.forecasters) },
  }
}

/**
 * A side's chunks by the sum of their digests (as 256-bit numbers, mod 2²⁵⁶): every pair is in
 * one chunk only, so a side is the set of its chunks. A settlement builds a side from the one
 * before by putting chunks in and taking some out (departed-regrets.ts), and the sum follows
 * from the earlier side's (kept per object) in as many steps, so a block hashes what changed,
 * not every chunk since genesis. (A sum of hashes is weaker against someone who can choose
 * what is summed than one hash of everything; here the chunks are what every coordinator
 * computes from the same blocks, and the sum only has to tell different states apart.)
 */
function sideDigest(side: DepartedSide): Uint8Array {
  return bytesOf(sideSum(side))
}

const MOD = 1n << 256n

function sideSum(side: DepartedSide): bigint {
  const cached = SIDE_SUMS.get(side)
  if (cached !== undefined) return cached
  // Back to the nearest side with a sum (a walk, not recursion: the chain can be long).
  const path: DepartedSide[] = [side]
  let base = derivationOf(side)?.parent
  while (base !== undefined && !SIDE_SUMS.has(base)) {
    path.push(base)
    base = derivationOf(base)?.parent
  }
  let sum: bigint
  let i = path.length - 1
  if (base === undefined) {
    // The oldest side on the path was not derived here: sum its chunks.
    sum = 0n
    for (const chunk of path[i].chunks) sum += numberOf(digestOf(chunk))
    sum %= MOD
    SIDE_SUMS.set(path[i], sum)
    i--
  } else {
    sum = SIDE_SUMS.get(base) as bigint
  }
  for (; i >= 0; i--) {
    const d = derivationOf(path[i]) as Derivation
    for (const c of d.added) sum += numberOf(digestOf(c))
    for (const c of d.removed) sum += MOD - numberOf(digestOf(c))
    sum %= MOD
    SIDE_SUMS.set(path[i], sum)
  }
  return sum
}

function numberOf(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function bytesOf(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

/** A chunk never changes (a settlement replaces a chunk it takes values from), so its digest stays its digest. */
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
