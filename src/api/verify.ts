/**
 * Checking a committed inference without trusting the node that served it: pure, no network.
 *
 * An answer of `GET /v1/topics/:id/inference` carries the block that committed the epoch and
 * its commit certificate (the committee's signed precommits). Given the genesis (the file
 * form or the parsed one: only the chain id and the committee are read), the answer is
 * accepted only if
 *
 * 1. the block bytes hash to the claimed block hash and decode to a block of this chain at
 *    the claimed height;
 * 2. the certificate holds valid precommit signatures for that height and hash from distinct
 *    genesis committee members holding more than 2/3 of its power (`readCommitNotice`);
 * 3. the block commits the claimed topic epoch, and its network inference is exactly the
 *    claimed value.
 */
import { Committee } from '../consensus/bft/index.js'
import { readCommitNotice } from '../consensus/chain/commit-notice.js'
import { Ed25519Verifier } from '../wire/index.js'

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
  }
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
  const proof = r.proof as { block?: unknown; certificate?: unknown } | undefined
  if (typeof proof !== 'object' || proof === null) return fail('the proof is missing')
  const block = bytesOf(proof.block)
  if (block === undefined) return fail('proof.block is not base64')
  if (!Array.isArray(proof.certificate) || proof.certificate.length === 0) return fail('proof.certificate is empty')
  const certificate: Uint8Array[] = []
  for (const vote of proof.certificate) {
    const bytes = bytesOf(vote)
    if (bytes === undefined) return fail('a certificate vote is not base64')
    certificate.push(bytes)
  }

  let committee: Committee
  try {
    committee = new Committee(Object.fromEntries(genesis.committee.map((m) => [m.id, m.power])))
  } catch (err) {
    return fail(`the genesis committee is invalid: ${(err as Error).message}`)
  }
  const notice = readCommitNotice(
    { height: r.height, block, certificate },
    committee,
    genesis.chainId,
    new Ed25519Verifier(),
  )
  if (!notice.ok) return fail(notice.reason)
  if (notice.hash !== r.blockHash) return fail(`the block hashes to ${notice.hash}, not the claimed ${r.blockHash}`)
  const entry = notice.block.topicEpochs.find((e) => e.topicId === r.topicId && e.epoch === r.epoch)
  if (entry === undefined) return fail(`block ${r.height} does not commit epoch ${r.epoch} of topic ${r.topicId}`)
  if (entry.output === null) return fail(`epoch ${r.epoch} of topic ${r.topicId} has no network inference`)
  const committed = (entry.output as { networkInference?: unknown }).networkInference
  if (committed !== r.value) return fail(`the block's network inference is ${String(committed)}, not ${r.value}`)
  return { ok: true, topicId: r.topicId, value: r.value, epoch: r.epoch, height: r.height, blockHash: r.blockHash }
}
