/** What the consensus driver reports and counts, for observation only. */
import type { Block } from '../chain/block.js'
import type { RoundInputDrop } from '../pool/round-inputs.js'
import type { CatchUpCounter } from '../sync/catch-up.js'

export interface CommitEvent {
  readonly height: number
  readonly hash: string
  readonly block: Block
  /** Time from the height's start to the commit at this node. */
  readonly ms: number
  /** Wall-clock time (ms) the height started and was committed at this node. */
  readonly startedAtMs: number
  readonly committedAtMs: number
}

/** A transaction this node, proposing, left out of its block, and the ledger's reason. */
export interface TxRejection {
  readonly id: string
  readonly reason: string
}

/**
 * A block this node executed (the synthesis and settlements of its topic epochs, then its
 * ledger): as proposer drafting it, as voter checking it, or as follower adopting it.
 */
export interface BlockExecution {
  readonly height: number
  readonly ms: number
  readonly as: 'proposer' | 'voter' | 'follower'
}

/** What the driver reports, for observation only. */
export interface DriverEvents {
  commit: [CommitEvent]
  'block-executed': [BlockExecution]
  'tx-rejected': [TxRejection]
  /** An input or action failed inside the driver (a local bug: counted, never a verdict). */
  'internal-error': [unknown]
}

export type DriverCounter =
  | 'committed'
  | 'internal-error'
  | 'self-equivocation-refused'
  | 'own-vote-conflict-refused'
  | 'proposal-without-block'
  | 'evidence'
  | 'evidence-unusable'
  | 'tx-rejected'
  | 'draft-retry'
  | 'draft-failed'
  | 'block-unavailable'
  | 'block-invalid'
  | 'block-unreadable'
  | 'messages-fetch'
  | 'messages-unavailable'
  | 'commit-without-block'
  | 'commit-without-state'
  | 'committed-message-not-stored'
  | RoundInputDrop
  | CatchUpCounter
