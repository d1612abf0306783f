/**
 * Equivocation evidence as it travels in blocks: the two signed vote envelopes. Anyone can
 * check it: both envelopes verify, come from one committee member, and are votes for the same
 * height, round and step with different values.
 */
import { decodeCanonical, encodeCanonical, type Ed25519Verifier, type Envelope } from '../../wire/index.js'
import { verifyEnvelopeBytes } from '../../p2p/index.js'
import type { Committee } from '../bft/index.js'
import { voteOfEnvelope } from './commit-notice.js'

export interface LedgerEvidence {
  readonly offender: string
  readonly id: string
}

export function encodeEvidence(a: Uint8Array, b: Uint8Array): Uint8Array {
  // Canonical order, so both honest reporters build the same bytes.
  const [first, second] = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? [a, b] : [b, a]
  return encodeCanonical({ a: first, b: second })
}

/** The evidence of two conflicting votes, if every voter will accept it (else its reason). */
export function usableEvidence(
  a: Uint8Array,
  b: Uint8Array,
  chainId: string,
  committee: Committee,
  verifier: Ed25519Verifier,
): Uint8Array | string {
  const bytes = encodeEvidence(a, b)
  const read = readEvidence(bytes, chainId, committee, verifier)
  return typeof read === 'string' ? read : bytes
}

/** The slashable fact the evidence proves, or a reason it proves nothing. */
export function readEvidence(
  bytes: Uint8Array,
  chainId: string,
  committee: Committee,
  verifier: Ed25519Verifier,
): LedgerEvidence | string {
  let pair: { a?: unknown; b?: unknown }
  try {
    pair = decodeCanonical(bytes) as { a?: unknown; b?: unknown }
  } catch {
    return 'evidence is not canonical CBOR'
  }
  if (!(pair.a instanceof Uint8Array) || !(pair.b instanceof Uint8Array)) return 'evidence must hold two envelopes'
  const votes = []
  for (const raw of [pair.a, pair.b]) {
    const read = verifyEnvelopeBytes(raw, chainId, verifier)
    if (!read.ok) return `evidence vote: ${read.reason}`
    if (read.envelope.type !== 'vote') return 'evidence holds a non-vote'
    votes.push(voteOfEnvelope(read.envelope as Envelope<'vote'>))
  }
  const [x, y] = votes
  if (x.voter !== y.voter || x.height !== y.height || x.round !== y.round || x.step !== y.step)
    return 'the two votes are not for one slot of one voter'
  if (x.blockHash === y.blockHash) return 'the two votes agree'
  if (!committee.has(x.voter)) return 'the voter is not a committee member'
  return { offender: x.voter, id: `${x.height}/${x.round}/${x.step}` }
}
