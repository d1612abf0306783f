/**
 * The machine's configuration, and shape checks on its inputs. The driver's schemas have already run; these keep the
 * machine's invariants independent of that (a malformed input is dropped, never thrown on, so
 * no peer can crash a node with one).
 */
import type { Committee } from './committee.js'
import { type Proposal, type TimeoutStep, type Timeouts, type Vote, isBlockHash, isRound } from './types.js'

export interface MachineConfig {
  readonly committee: Committee
  /** This node's id. A non-member follows the height and commits but never votes. */
  readonly self: string
  readonly height: number
  readonly timeouts: Timeouts
  /** Future rounds each voter may occupy with votes, and how many rounds ahead proposals are kept. */
  readonly maxFutureRounds: number
}

/** Throws on a configuration no machine can run with (a local bug, not a peer's input). */
export function checkConfig(config: MachineConfig): void {
  const { height, maxFutureRounds, timeouts } = config
  if (!isRound(height)) throw new RangeError(`height must be a non-negative integer, got ${height}`)
  if (!isRound(maxFutureRounds))
    throw new RangeError(`maxFutureRounds must be a non-negative integer, got ${maxFutureRounds}`)
  for (const key of ['propose', 'prevote', 'precommit', 'delta'] as const) {
    if (!Number.isFinite(timeouts[key]) || timeouts[key] < 0)
      throw new RangeError(`timeouts.${key} must be a non-negative number`)
  }
}

const VOTE_STEPS: ReadonlySet<unknown> = new Set(['prevote', 'precommit'])
const TIMEOUT_STEPS: ReadonlySet<unknown> = new Set(['propose', 'prevote', 'precommit'])

export function wellFormedVote(v: Vote): boolean {
  return (
    isRound(v.height) &&
    isRound(v.round) &&
    VOTE_STEPS.has(v.step) &&
    (v.blockHash === null || isBlockHash(v.blockHash)) &&
    typeof v.voter === 'string'
  )
}

export function wellFormedProposal(p: Proposal): boolean {
  return (
    isRound(p.height) &&
    isRound(p.round) &&
    Number.isSafeInteger(p.polRound) &&
    p.polRound >= -1 &&
    p.polRound < p.round &&
    isBlockHash(p.blockHash) &&
    typeof p.proposer === 'string'
  )
}

export function wellFormedTimeout(t: { height: number; round: number; step: TimeoutStep }): boolean {
  return isRound(t.height) && isRound(t.round) && TIMEOUT_STEPS.has(t.step)
}
