/**
 * The "upon" rules of Algorithm 1 as pure reads of the round state: `nextFiring` names the
 * first rule whose condition holds, and the machine performs it through its guarded `enterX`
 * transitions. Rules are tried in a fixed order (a decision first), so the outcome of an input
 * never depends on iteration order. Asking `verdict` for a hash with no verdict yet makes the
 * machine request one; the rule then waits.
 */
import type { Committee } from './committee.js'
import { type BlockHash, type Proposal, Step } from './types.js'
import type { HeightVotes } from './vote-set.js'

export interface Verdict {
  readonly valid: boolean
  readonly timely: boolean
}

/**
 * The mutable part of one height's state (CometBFT `RoundState`). Only the machine's
 * transitions write it; the rules read it.
 */
export interface RoundState {
  round: number
  step: Step
  lockedRound: number
  lockedValue: BlockHash | null
  validRound: number
  validValue: BlockHash | null
  /** "For the first time" flags of the current round: L36 fired, L34 and L47 scheduled. */
  polkaSeen: boolean
  prevoteWaitScheduled: boolean
  precommitWaitScheduled: boolean
}

export function initialRoundState(): RoundState {
  return {
    round: 0,
    step: Step.Propose,
    lockedRound: -1,
    lockedValue: null,
    validRound: -1,
    validValue: null,
    polkaSeen: false,
    prevoteWaitScheduled: false,
    precommitWaitScheduled: false,
  }
}

/** What else the rules read: the height's messages and the driver's verdicts. */
export interface RuleInputs {
  readonly committee: Committee
  readonly votes: HeightVotes
  proposal(round: number): Proposal | undefined
  verdict(blockHash: BlockHash): Verdict | undefined
}

type S = Readonly<RoundState>

export type Firing =
  | { readonly rule: 'L49 commit'; readonly round: number; readonly blockHash: BlockHash }
  | { readonly rule: 'L55 round skip'; readonly round: number }
  | { readonly rule: 'L22/L28 prevote'; readonly blockHash: BlockHash | null }
  | { readonly rule: 'L36 polka'; readonly blockHash: BlockHash }
  | { readonly rule: 'L44 precommit nil' }
  | { readonly rule: 'L34 prevote wait' }
  | { readonly rule: 'L47 precommit wait' }

export function nextFiring(s: S, i: RuleInputs): Firing | undefined {
  return commit(s, i) ?? roundSkip(s, i) ?? prevote(s, i) ?? polka(s, i) ?? precommitNil(s, i) ?? waits(s, i)
}

/** L49: a precommit quorum for a valid block, in any round, decides. */
function commit(_s: S, i: RuleInputs): Firing | undefined {
  for (const round of i.votes.roundNumbers()) {
    const blockHash = i.votes.set(round, 'precommit')?.quorumBlock()
    if (blockHash !== undefined && i.verdict(blockHash)?.valid === true) return { rule: 'L49 commit', round, blockHash }
  }
  return undefined
}

/** L55: more than 1/3 of power voting in a higher round means an honest node is there. */
function roundSkip(s: S, i: RuleInputs): Firing | undefined {
  const rounds = i.votes.roundNumbers()
  for (let k = rounds.length - 1; k >= 0 && rounds[k] > s.round; k--) {
    if (i.votes.powerInRound(rounds[k]) >= i.committee.oneThird) return { rule: 'L55 round skip', round: rounds[k] }
  }
  return undefined
}

/** L22 (fresh proposal, polRound -1) and L28 (re-proposal backed by a prevote quorum in polRound). */
function prevote(s: S, i: RuleInputs): Firing | undefined {
  const p = i.proposal(s.round)
  if (s.step !== Step.Propose || p === undefined) return undefined
  const verdict = i.verdict(p.blockHash)
  if (verdict === undefined) return undefined
  let yes: boolean
  if (p.polRound === -1) {
    yes = verdict.valid && verdict.timely && (s.lockedRound === -1 || s.lockedValue === p.blockHash)
  } else {
    if (i.votes.set(p.polRound, 'prevote')?.hasQuorumFor(p.blockHash) !== true) return undefined
    yes = verdict.valid && (s.lockedRound <= p.polRound || s.lockedValue === p.blockHash)
  }
  return { rule: 'L22/L28 prevote', blockHash: yes ? p.blockHash : null }
}

/** L36: a prevote quorum for this round's valid proposal, once per round, at step ≥ prevote. */
function polka(s: S, i: RuleInputs): Firing | undefined {
  const p = i.proposal(s.round)
  if (s.step < Step.Prevote || s.polkaSeen || p === undefined) return undefined
  if (i.votes.set(s.round, 'prevote')?.hasQuorumFor(p.blockHash) !== true) return undefined
  return i.verdict(p.blockHash)?.valid === true ? { rule: 'L36 polka', blockHash: p.blockHash } : undefined
}

/** L44: a prevote quorum for nil. */
function precommitNil(s: S, i: RuleInputs): Firing | undefined {
  const nil = s.step === Step.Prevote && i.votes.set(s.round, 'prevote')?.hasQuorumFor(null) === true
  return nil ? { rule: 'L44 precommit nil' } : undefined
}

/** L34 and L47: a quorum of any prevotes / precommits of this round starts the wait for the rest. */
function waits(s: S, i: RuleInputs): Firing | undefined {
  if (s.step === Step.Prevote && !s.prevoteWaitScheduled && i.votes.set(s.round, 'prevote')?.hasQuorumAny() === true) {
    return { rule: 'L34 prevote wait' }
  }
  if (!s.precommitWaitScheduled && i.votes.set(s.round, 'precommit')?.hasQuorumAny() === true) {
    return { rule: 'L47 precommit wait' }
  }
  return undefined
}
