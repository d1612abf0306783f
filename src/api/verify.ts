/**
 * Checking a committed inference without trusting the node that served it: pure, no network.
 *
 * An answer of `GET /v1/topics/:id/inference` carries the block that committed the epoch and
 * its commit certificate (the committee's signed precommits). Given the genesis (the file
 * form or the parsed one: only the chain id and the committee are read), the answer is
 * accepted only if
 *
 * 1. the committee of the claimed height is followed from the genesis through the hand-offs
 *    the proof carries: each hand-off block is certified by the committee of its height and
 *    names the committee of its height + COMMITTEE_LAG; each names the one before it
 *    (`prevHandoff`), the first names none, and the answer's block names the last, so none
 *    can be left out;
 * 2. the block bytes hash to the claimed block hash and decode to a block of this chain at
 *    the claimed height;
 * 3. the certificate holds valid precommit signatures for that height and hash from distinct
 *    members of that height's committee holding more than 2/3 of its power (`readCommitNotice`);
 * 4. the block commits the claimed topic epoch, and its network inference is exactly the
 *    claimed value.
 *
 * As with any light client, this trusts each committee on the way while it was in office: a
 * committee that has left can sign anything; the check is as good as the hand-offs' certificates.
 */
import { Committee } from '../consensus/bft/index.js'
import { readCommitNotice, type CommitRead } from '../consensus/chain/commit-notice.js'
import { COMMITTEE_LAG } from '../consensus/ledger/index.js'
import { Ed25519Verifier } from '../wire/index.js'
import { decodeBlock } from '../consensus/chain/block.js'

/** The answer of `GET /v1/topics/:id/inference` (docs/api.md). */
export interface CommittedInference {
  readonly topicId: string
  readonly epoch: number
  /** The network inference of the epoch. */
  readonly value: number
  readonly naiveInference: number
  readonly height: number
  /** Hex of the hash of the block that committed the epoch. */
  readonly blockHash: string
  readonly blockTimeMs: number
  readonly proof: {
    /** The canonical block bytes, base64. */
    readonly block: string
    /** The precommit vote envelopes that commit the block, base64 each. */
    readonly certificate: readonly string[]
    /** Every block before this one that handed the committee over, ascending, each with its certificate. */
    readonly handoffs?: readonly CertifiedBlock[]
  }
}

/** A block's bytes and the certificate that commits it, base64. */
export interface CertifiedBlock {
  readonly block: string
  readonly certificate: readonly string[]
}

/** What the check needs of a genesis; a parsed `Genesis` and its file form both fit. */
export interface GenesisCommittee {
  readonly chainId: string
  readonly committee: readonly { readonly id: string; readonly power: number }[]
}

export type InferenceVerdict =
  | {
      readonly ok: true
      readonly topicId: string
      readonly value: number
      readonly epoch: number
      readonly height: number
      readonly blockHash: string
    }
  | { readonly ok: false; readonly reason: string }

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const HASH = /^[0-9a-f]{64}$/

function bytesOf(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !BASE64.test(text)) return undefined
  return new Uint8Array(Buffer.from(text, 'base64'))
}

const isNat = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0

export function verifyCommittedInference(response: unknown, genesis: GenesisCommittee): InferenceVerdict {
  const fail = (reason: string): InferenceVerdict => ({ ok: false, reason })
  if (typeof response !== 'object' || response === null) return fail('the answer is not an object')
  const r = response as Partial<Record<keyof CommittedInference, unknown>>
  if (typeof r.topicId !== 'string') return fail('topicId is missing')
  if (!isNat(r.epoch)) return fail('epoch is not a non-negative integer')
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return fail('value is not a finite number')
  if (!isNat(r.height) || r.height < 1) return fail('height is not a positive integer')
  if (typeof r.blockHash !== 'string' || !HASH.test(r.blockHash)) return fail('blockHash is not 64 hex digits')
  const proof = r.proof as { block?: unknown; certificate?: unknown; handoffs?: unknown } | undefined
  if (typeof proof !== 'object' || proof === null) return fail('the proof is missing')
  const answered = certifiedOf(proof, 'proof')
  if (typeof answered === 'string') return fail(answered)
  const handoffs: { block: Uint8Array; certificate: Uint8Array[] }[] = []
  if (proof.handoffs !== undefined) {
    if (!Array.isArray(proof.handoffs)) return fail('proof.handoffs is not a list')
    for (const [i, h] of proof.handoffs.entries()) {
      const read = certifiedOf(h, `proof.handoffs[${i}]`)
      if (typeof read === 'string') return fail(read)
      handoffs.push(read)
    }
  }

  let genesisCommittee: Committee
  try {
    genesisCommittee = new Committee(Object.fromEntries(genesis.committee.map((m) => [m.id, m.power])))
  } catch (err) {
    return fail(`the genesis committee is invalid: ${(err as Error).message}`)
  }
  const verifier = new Ed25519Verifier()
  const terms: { from: number; committee: Committee }[] = [{ from: 1, committee: genesisCommittee }]
  const committeeOf = (height: number): Committee => {
    let found = terms[0].committee
    for (const t of terms) if (t.from <= height) found = t.committee
    return found
  }
  const readAt = (height: number, b: { block: Uint8Array; certificate: Uint8Array[] }): CommitRead =>
    readCommitNotice(
      { height, block: b.block, certificate: b.certificate },
      committeeOf(height),
      genesis.chainId,
      verifier,
    )
  // The hand-offs from the genesis on, each certified by the committee the ones before it installed.
  let lastHandoff = 0
  for (const [i, h] of handoffs.entries()) {
    const height = heightOf(h.block)
    if (height === undefined || height <= lastHandoff || height >= r.height)
      return fail(`proof.handoffs[${i}] is not a block between height ${lastHandoff} and ${r.height}`)
    const read = readAt(height, h)
    if (!read.ok) return fail(`hand-off at height ${height}: ${read.reason}`)
    if (read.block.prevHandoff !== lastHandoff)
      return fail(
        `hand-off at height ${height} follows the one at ${read.block.prevHandoff}, the proof gives ${lastHandoff}: a hand-off is missing`,
      )
    if (read.block.handoff.length === 0) return fail(`the block at height ${height} hands nothing over`)
    let next: Committee
    try {
      next = new Committee(Object.fromEntries(read.block.handoff.map((m) => [m.id, m.power])))
    } catch (err) {
      return fail(`hand-off at height ${height} names an invalid committee: ${(err as Error).message}`)
    }
    terms.push({ from: height + COMMITTEE_LAG, committee: next })
    lastHandoff = height
  }
  const notice = readAt(r.height, answered)
  if (!notice.ok)
    return fail(
      lastHandoff === 0 && handoffs.length === 0
        ? notice.reason
        : `${notice.reason} (committee of height ${r.height} as the hand-offs give it)`,
    )
  if (notice.block.prevHandoff !== lastHandoff)
    return fail(
      `block ${r.height} follows the hand-off at height ${notice.block.prevHandoff}, the proof's last is at ${lastHandoff}: a hand-off is missing`,
    )
  if (notice.hash !== r.blockHash) return fail(`the block hashes to ${notice.hash}, not the claimed ${r.blockHash}`)
  const entry = notice.block.topicEpochs.find((e) => e.topicId === r.topicId && e.epoch === r.epoch)
  if (entry === undefined) return fail(`block ${r.height} does not commit epoch ${r.epoch} of topic ${r.topicId}`)
  if (entry.output === null) return fail(`epoch ${r.epoch} of topic ${r.topicId} has no network inference`)
  const committed = (entry.output as { networkInference?: unknown }).networkInference
  if (committed !== r.value) return fail(`the block's network inference is ${String(committed)}, not ${r.value}`)
  return { ok: true, topicId: r.topicId, value: r.value, epoch: r.epoch, height: r.height, blockHash: r.blockHash }
}

/** A block and its certificate from base64, or why not. */
function certifiedOf(value: unknown, where: string): { block: Uint8Array; certificate: Uint8Array[] } | string {
  if (typeof value !== 'object' || value === null) return `${where} is not an object`
  const v = value as { block?: unknown; certificate?: unknown }
  const block = bytesOf(v.block)
  if (block === undefined) return `${where}.block is not base64`
  if (!Array.isArray(v.certificate) || v.certificate.length === 0) return `${where}.certificate is empty`
  const certificate: Uint8Array[] = []
  for (const vote of v.certificate) {
    const bytes = bytesOf(vote)
    if (bytes === undefined) return `a vote of ${where}.certificate is not base64`
    certificate.push(bytes)
  }
  return { block, certificate }
}

/** The height a block's bytes claim (checked again, with everything else, by readCommitNotice). */
function heightOf(bytes: Uint8Array): number | undefined {
  try {
    return decodeBlock(bytes).height
  } catch {
    return undefined
  }
}
