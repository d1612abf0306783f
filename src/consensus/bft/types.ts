/**
 * The vocabulary of the BFT round: steps, votes, proposals, evidence, and the events in and
 * actions out of the pure state machine (`machine.ts`). Block bytes never enter the machine:
 * it deals in block hashes and asks the driver about validity (`validateBlock` →
 * `blockVerdict`). Signatures never enter it either: the driver verifies envelopes and hands
 * over only messages whose signer is the `voter` / `proposer` they name.
 */

/** Ordered, so "has this step passed?" is a comparison (CometBFT `RoundStepType`). */
export enum Step {
  /** Waiting for the round's proposal (or, as proposer, for the driver's block). */
  Propose = 0,
  /** Prevoted; waiting for a 2/3 prevote quorum or the prevote timeout. */
  Prevote = 1,
  /** Precommitted; waiting for a 2/3 precommit quorum or the precommit timeout. */
  Precommit = 2,
  /** Decided. Terminal: the driver starts a new machine for the next height. */
  Commit = 3,
}

export type VoteStep = 'prevote' | 'precommit'
export type TimeoutStep = 'propose' | 'prevote' | 'precommit'

/** A block hash as lowercase hex; `null` in a vote means nil ("no block"). */
export type BlockHash = string

export interface Vote {
  readonly height: number
  readonly round: number
  readonly step: VoteStep
  readonly blockHash: BlockHash | null
  /** Committee member id (hex), the signer of the envelope that carried the vote. */
  readonly voter: string
}

export interface Proposal {
  readonly height: number
  readonly round: number
  /** Round of the prevote quorum (proof of lock) the block is re-proposed under, or -1. */
  readonly polRound: number
  readonly blockHash: BlockHash
  readonly proposer: string
}

/** Two different signed votes of one voter for one (height, round, step). */
export interface Evidence {
  readonly voter: string
  /** `a` and `b` are ordered canonically (see `evidence.ts`), so every node builds the same pair. */
  readonly a: Vote
  readonly b: Vote
}

/** What a height decided: the block hash and the precommits of one round for it, by voter id. */
export interface Decision {
  readonly round: number
  readonly blockHash: BlockHash
  readonly certificate: readonly Vote[]
}

/** Base timeouts per step, and how much each grows per round (all milliseconds). */
export interface Timeouts {
  readonly propose: number
  readonly prevote: number
  readonly precommit: number
  readonly delta: number
}

export type ConsensusEvent =
  | { readonly type: 'start' }
  | { readonly type: 'proposal'; readonly proposal: Proposal }
  | { readonly type: 'vote'; readonly vote: Vote }
  | { readonly type: 'timeout'; readonly height: number; readonly round: number; readonly step: TimeoutStep }
  /**
   * The driver's judgement of a block it fetched and recomputed. `valid` is the deterministic
   * part (bit-identical recomputation, stamp after the previous block's); `timely` (default
   * true) is the clock part (stamp within the configured bound of the local clock). Only a
   * fresh proposal (polRound -1) needs `timely`: a re-proposed block already carries a 2/3
   * prevote quorum for it, and refusing it for its age could block the height forever.
   */
  | { readonly type: 'blockVerdict'; readonly blockHash: BlockHash; readonly valid: boolean; readonly timely?: boolean }
  /** The block the driver built after a `requestBlock`; `round`, when given, must match. */
  | { readonly type: 'proposalValue'; readonly blockHash: BlockHash; readonly round?: number }

export type ConsensusAction =
  | { readonly type: 'broadcastProposal'; readonly proposal: Proposal }
  | { readonly type: 'broadcastVote'; readonly vote: Vote }
  | {
      readonly type: 'scheduleTimeout'
      readonly height: number
      readonly round: number
      readonly step: TimeoutStep
      readonly ms: number
    }
  /** As proposer with nothing to re-propose: build a block, answer with `proposalValue`. */
  | { readonly type: 'requestBlock'; readonly height: number; readonly round: number }
  /** Fetch the block (over sync if missing), recompute it, answer with `blockVerdict`. */
  | { readonly type: 'validateBlock'; readonly height: number; readonly blockHash: BlockHash }
  /** The decision. `certificate` holds the precommits of one round for the hash, by voter id. */
  | {
      readonly type: 'commit'
      readonly height: number
      readonly round: number
      readonly blockHash: BlockHash
      readonly certificate: readonly Vote[]
    }
  | { readonly type: 'evidence'; readonly evidence: Evidence }

/** Inputs the machine ignored, by reason; closed so it can label a metric. */
export const DROP_REASONS = [
  'malformed',
  'otherHeight',
  'nonMember',
  'wrongProposer',
  'duplicate',
  'conflicting',
  'pastRound',
  'futureRound',
  'unexpectedValue',
  'staleTimeout',
  'decided',
] as const
export type DropReason = (typeof DROP_REASONS)[number]

const HASH = /^[0-9a-f]{1,128}$/

export function isBlockHash(value: unknown): value is BlockHash {
  return typeof value === 'string' && HASH.test(value)
}

export function isRound(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

/** Map key of a vote's value; 'nil' cannot collide with a hash because it is not hex. */
export function valueKey(blockHash: BlockHash | null): string {
  return blockHash ?? 'nil'
}

export function sameVote(a: Vote, b: Vote): boolean {
  return (
    a.height === b.height &&
    a.round === b.round &&
    a.step === b.step &&
    a.blockHash === b.blockHash &&
    a.voter === b.voter
  )
}
