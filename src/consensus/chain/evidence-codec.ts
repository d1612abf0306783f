/**
 * Equivocation evidence as it travels in blocks: two signed envelopes. Anyone can check it:
 * both verify and either are votes of one committee member for the same height, round and
 * step with different values, or are two different messages of one signer for the same slot
 * of a topic (an inference, commitment, forecast or loss bundle of one epoch).
 */
import {
  bytesEqual,
  decodeCanonical,
  encodeCanonical,
  toHex,
  type Ed25519Verifier,
  type Envelope,
} from '../../wire/index.js'
import { verifyEnvelopeBytes } from '../../p2p/index.js'
import type { Committee } from '../bft/index.js'
import { voteOfEnvelope } from './commit-notice.js'

/** The committee of a height, if known (chain/committees.ts). */
export type CommitteeAt = (height: number) => Committee | undefined

export interface LedgerEvidence {
  readonly offender: string
  readonly id: string
}

export function encodeEvidence(a: Uint8Array, b: Uint8Array): Uint8Array {
  // Canonical order, so both honest reporters build the same bytes.
  const [first, second] = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? [a, b] : [b, a]
  return encodeCanonical({ a: first, b: second })
}

/** The evidence of two conflicting messages, if every voter will accept it (else its reason). */
export function usableEvidence(
  a: Uint8Array,
  b: Uint8Array,
  chainId: string,
  committeeAt: CommitteeAt,
  verifier: Ed25519Verifier,
): Uint8Array | string {
  const bytes = encodeEvidence(a, b)
  const read = readEvidence(bytes, chainId, committeeAt, verifier)
  return typeof read === 'string' ? read : bytes
}

/** The slashable fact the evidence proves, or a reason it proves nothing. */
export function readEvidence(
  bytes: Uint8Array,
  chainId: string,
  committeeAt: CommitteeAt,
  verifier: Ed25519Verifier,
): LedgerEvidence | string {
  let pair: { a?: unknown; b?: unknown }
  try {
    pair = decodeCanonical(bytes) as { a?: unknown; b?: unknown }
  } catch {
    return 'evidence is not canonical CBOR'
  }
  if (!(pair.a instanceof Uint8Array) || !(pair.b instanceof Uint8Array)) return 'evidence must hold two envelopes'
  const envelopes: Envelope[] = []
  for (const raw of [pair.a, pair.b]) {
    const read = verifyEnvelopeBytes(raw, chainId, verifier)
    if (!read.ok) return `evidence envelope: ${read.reason}`
    envelopes.push(read.envelope)
  }
  const [ea, eb] = envelopes
  if (ea.type === 'vote' && eb.type === 'vote') {
    const [x, y] = [voteOfEnvelope(ea as Envelope<'vote'>), voteOfEnvelope(eb as Envelope<'vote'>)]
    if (x.voter !== y.voter || x.height !== y.height || x.round !== y.round || x.step !== y.step)
      return 'the two votes are not for one slot of one voter'
    if (x.blockHash === y.blockHash) return 'the two votes agree'
    const committee = committeeAt(x.height)
    if (committee === undefined) return `the committee of height ${x.height} is not known any more (or not yet)`
    if (!committee.has(x.voter)) return `the voter is not a member of the committee of height ${x.height}`
    return { offender: x.voter, id: `${x.height}/${x.round}/${x.step}` }
  }
  // A worker's or reputer's two different messages for one slot (type, topic, epoch).
  if (!TOPIC_MESSAGES.has(ea.type) || ea.type !== eb.type)
    return 'evidence must hold two votes or two topic messages of one type'
  if (!bytesEqual(ea.signer, eb.signer) || ea.topicId !== eb.topicId || ea.epoch !== eb.epoch)
    return `the two ${ea.type} messages are not for one slot of one signer`
  if (bytesEqual(pair.a, pair.b)) return 'the two messages are the same'
  return { offender: toHex(ea.signer), id: `${ea.type}/${ea.topicId}/${ea.epoch}` }
}

/** The messages a worker or reputer sends once per (topic, epoch): two different ones are equivocation. */
const TOPIC_MESSAGES: ReadonlySet<string> = new Set(['inference', 'inference-commit', 'forecast', 'loss-bundle'])
