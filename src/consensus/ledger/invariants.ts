/**
 * Every invariant a committed ledger must hold, in one check for the cluster summary, the
 * chaos invariants and tests: conservation with nothing negative (conservation.ts), and a
 * committee schedule whose committees all have 1 .. MAX_COMMITTEE_SIZE members in id order
 * with positive powers (committee-election.ts). Block application asserts both already; this
 * reads a state from outside, e.g. every node's after every block.
 */
import { committeeBoundsProblem } from './committee-election.js'
import { checkConservation, type ConservationResult } from './conservation.js'
import type { LedgerState } from './state.js'

export function checkLedgerInvariants(state: LedgerState): ConservationResult {
  const conservation = checkConservation(state)
  if (!conservation.ok) return conservation
  const committee = committeeBoundsProblem(state)
  if (committee !== undefined) return { ok: false, detail: `height ${state.height}: ${committee}` }
  return conservation
}
