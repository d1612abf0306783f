/**
 * What a chaos run sees of its nodes, the same whether they live in this process or each in a
 * process of its own (a child sends these over its IPC channel): commits, inferences sent,
 * nodes going down and coming up. Plain data, so it crosses a process boundary as JSON.
 */
import { blake3 } from '@noble/hashes/blake3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Block } from '../consensus/chain/block.js'
import { checkLedgerInvariants, type LedgerState } from '../consensus/ledger/index.js'

export interface TopicEpochSeen {
  readonly topicId: string
  readonly epoch: number
  /** Digest of the synthesis output; null when the epoch had no inference. */
  readonly output: string | null
  /** Participant ids whose inferences the block used. */
  readonly inferers: readonly string[]
}

export interface CommitSeen {
  readonly type: 'commit'
  readonly node: string
  readonly height: number
  readonly hash: string
  /** Wall-clock time the node committed it (ms since the epoch, the run's clock). */
  readonly atMs: number
  readonly topicEpochs: readonly TopicEpochSeen[]
  /** The node's ledger after the block: tokens conserved, no negative balance. */
  readonly ledgerOk: boolean
  /** Why not, when not. */
  readonly ledgerProblem?: string
}

export interface PublishedSeen {
  readonly type: 'published'
  readonly node: string
  readonly participant: string
  readonly topicId: string
  readonly epoch: number
  /** By the worker's own clock (a skewed node's is off). */
  readonly atMs: number
}

export type Observation = CommitSeen | PublishedSeen

/** What the run learns of a commit: everything the invariants compare, as plain data. */
export function commitSeen(node: string, block: Block, hash: string, ledger: LedgerState, atMs: number): CommitSeen {
  // Conservation covers negative balances too.
  const conservation = checkLedgerInvariants(ledger)
  const problem = conservation.ok ? undefined : conservation.detail
  return {
    type: 'commit',
    node,
    height: block.height,
    hash,
    atMs,
    topicEpochs: block.topicEpochs.map((te) => ({
      topicId: te.topicId,
      epoch: te.epoch,
      output: te.output === null ? null : digest(te.output),
      inferers: Object.keys(te.inferences).sort(),
    })),
    ledgerOk: problem === undefined,
    ...(problem === undefined ? {} : { ledgerProblem: problem }),
  }
}

/** A short digest of a value's JSON (numbers as JavaScript prints them: exact for doubles). */
function digest(value: unknown): string {
  return bytesToHex(blake3(new TextEncoder().encode(JSON.stringify(value)))).slice(0, 32)
}
