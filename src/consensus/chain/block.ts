/**
 * Blocks: one chain for all topics. A block commits every topic epoch that closed since the
 * previous block (the ids of the messages it used and everything computed from them), the
 * transactions and evidence it includes, and the hashes of the state after it. Its hash is
 * the SHA-256 of its canonical CBOR, with every number as float64 bits, so one bit of
 * difference anywhere gives another hash.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { decodeCanonical, encodeCanonical, toHex } from '../../wire/index.js'
import type { IdMap, SynthesisOutput } from '../../synthesis/types.js'
import type { SettledEpoch } from './topic-step.js'
import { MAX_COMMITTEE_SIZE } from '../ledger/index.js'

const BLOCK_DOMAIN = 'chorus/block/v2'

export interface BlockSettlement {
  readonly epoch: number
  /** Message ids (hex) of the loss bundles used, ascending. */
  readonly lossBundleIds: readonly string[]
  /** Reputers whose bundles the cap left out (merit sortition): a bitmap over the topic's registered reputers. */
  readonly standbyReputers: Uint8Array
}

export interface BlockTopicEpoch {
  readonly topicId: string
  /** The epoch that closed. */
  readonly epoch: number
  /** Message ids (hex) of the inferences and forecasts used, ascending. */
  readonly inferenceIds: readonly string[]
  readonly forecastIds: readonly string[]
  /** On a commit-reveal topic: the commitments the inferences (reveals) open; else empty. */
  readonly commitIds: readonly string[]
  /**
   * Workers whose inferences and forecasts the active-set caps left out (merit sortition):
   * bitmaps over the topic's registered workers (ascending ids) in the ledger the block starts from.
   */
  readonly standbyInferers: Uint8Array
  readonly standbyForecasters: Uint8Array
  /** The values of those inferences and forecasts (for reputers and light clients). */
  readonly inferences: IdMap
  readonly forecasts: IdMap<IdMap>
  /** Earlier epochs settled just before this one was synthesised. */
  readonly settlements: readonly BlockSettlement[]
  /** What the settlements produced (consensus losses, scores, rewards). */
  readonly settled: readonly SettledEpoch[]
  /** The synthesis of the closed epoch; null when it had no inference. */
  readonly output: SynthesisOutput | null
  /** Hash (hex) of the topic's state after this step. */
  readonly stateHash: string
}

export interface Block {
  readonly chainId: string
  readonly height: number
  /** Hash (hex) of the previous block; the genesis hash for height 1. */
  readonly prevHash: string
  /** The proposer's clock (ms). */
  readonly timeMs: number
  /** Participant id of the proposer. */
  readonly proposer: string
  /** Ascending by (topicId, epoch). */
  readonly topicEpochs: readonly BlockTopicEpoch[]
  /** Transaction envelopes (canonical bytes), in execution order. */
  readonly txs: readonly Uint8Array[]
  /** Equivocation evidence (canonical bytes). */
  readonly evidence: readonly Uint8Array[]
  /**
   * A commit certificate of the previous block (precommit vote envelopes), as the proposer
   * holds it: any valid one will do, so nodes need not agree on which precommits they saw.
   * Its signers earn the committee share. Empty at height 1.
   */
  readonly lastCommit: readonly Uint8Array[]
  /** Hash (hex) of the ledger after this block. */
  readonly ledgerHash: string
  /**
   * A hand-off: the committee this block elected for height + COMMITTEE_LAG when it differs
   * from the one before (ascending ids); empty when the committee stays.
   */
  readonly handoff: readonly BlockCommitteeMember[]
  /** The last block before this one with a hand-off; 0 for none. Light clients follow the chain of hand-offs. */
  readonly prevHandoff: number
}

export interface BlockCommitteeMember {
  readonly id: string
  readonly power: number
}

export function encodeBlock(block: Block): Uint8Array {
  return encodeCanonical(block)
}

export function blockHash(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(BLOCK_DOMAIN).update(bytes).digest()
}

export function blockHashHex(block: Block): string {
  return toHex(blockHash(encodeBlock(block)))
}

const hex = z.string().regex(/^[0-9a-f]*$/)
const hexId = z.string().regex(/^[0-9a-f]{64}$/)
const nat = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/** Shape only; the content is checked by re-executing the block. */
const blockSchema = z.strictObject({
  chainId: z.string().min(1).max(64),
  height: nat,
  prevHash: hex,
  timeMs: nat,
  proposer: hexId,
  topicEpochs: z
    .array(
      z.strictObject({
        topicId: z.string().min(1).max(64),
        epoch: nat,
        inferenceIds: z.array(hexId).max(4096),
        forecastIds: z.array(hexId).max(4096),
        commitIds: z.array(hexId).max(4096),
        standbyInferers: z.instanceof(Uint8Array).refine((b) => b.length <= 8192, 'at most 8192 bytes'),
        standbyForecasters: z.instanceof(Uint8Array).refine((b) => b.length <= 8192, 'at most 8192 bytes'),
        inferences: z.record(z.string(), z.number()),
        forecasts: z.record(z.string(), z.record(z.string(), z.number())),
        settlements: z
          .array(
            z.strictObject({
              epoch: nat,
              lossBundleIds: z.array(hexId).max(1024),
              standbyReputers: z.instanceof(Uint8Array).refine((b) => b.length <= 8192, 'at most 8192 bytes'),
            }),
          )
          .max(64),
        settled: z.array(z.record(z.string(), z.unknown())).max(64),
        output: z.record(z.string(), z.unknown()).nullable(),
        stateHash: hexId,
      }),
    )
    .max(1024),
  txs: z.array(z.instanceof(Uint8Array)).max(10_000),
  evidence: z.array(z.instanceof(Uint8Array)).max(256),
  lastCommit: z.array(z.instanceof(Uint8Array)).max(1024),
  ledgerHash: hexId,
  handoff: z
    .array(z.strictObject({ id: hexId, power: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }))
    .max(MAX_COMMITTEE_SIZE),
  prevHandoff: nat,
})

export class BlockError extends Error {
  override readonly name = 'BlockError'
}

/** Decode untrusted block bytes (canonical CBOR of the right shape) or throw BlockError. */
/**
 * Blocks already decoded, by the byte array they came from. A follower reads one notice's block
 * several times (to judge the notice, to fetch its messages, to adopt it, to store it), and a
 * decode checks the canonical form by encoding again; a decoded block is never changed.
 */
const decodedBlocks = new WeakMap<Uint8Array, Block>()

export function decodeBlock(bytes: Uint8Array): Block {
  const known = decodedBlocks.get(bytes)
  if (known !== undefined) return known
  const block = decodeBlockOnce(bytes)
  decodedBlocks.set(bytes, block)
  return block
}

function decodeBlockOnce(bytes: Uint8Array): Block {
  let value: unknown
  try {
    value = decodeCanonical(bytes)
  } catch (err) {
    throw new BlockError(`block is not canonical CBOR: ${(err as Error).message}`)
  }
  const parsed = blockSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new BlockError(`block ${issue.path.join('.')}: ${issue.message}`)
  }
  return parsed.data as unknown as Block
}
