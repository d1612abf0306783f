/**
 * Duplicate-vote evidence: two different votes of one member for one (height, round, step).
 * The machine only reports it; the block builder includes it and the ledger slashes. The pair
 * is ordered canonically (nil first, then by hash), so nodes that saw the two votes in
 * opposite orders build byte-identical evidence and a block carries it once.
 * Signatures are outside this file: whoever puts evidence in a block ships the two signed
 * envelopes and checks their signatures; `isValidEvidence` checks the content.
 */
import type { Committee } from './committee.js'
import type { Evidence, Vote } from './types.js'

export function makeEvidence(first: Vote, second: Vote): Evidence {
  const [a, b] = compareValues(first, second) <= 0 ? [first, second] : [second, first]
  return { voter: a.voter, a, b }
}

/** One key per offence (voter, height, round, step), to report each at most once. */
export function evidenceKey(e: Evidence): string {
  return `${e.voter}/${e.a.height}/${e.a.round}/${e.a.step}`
}

/** Whether `e` proves an equivocation by a member of `committee` (content only, see above). */
export function isValidEvidence(committee: Committee, e: Evidence): boolean {
  const { a, b } = e
  return (
    committee.has(e.voter) &&
    a.voter === e.voter &&
    b.voter === e.voter &&
    a.height === b.height &&
    a.round === b.round &&
    a.step === b.step &&
    a.blockHash !== b.blockHash &&
    compareValues(a, b) < 0
  )
}

function compareValues(x: Vote, y: Vote): number {
  if (x.blockHash === y.blockHash) return 0
  if (x.blockHash === null) return -1
  if (y.blockHash === null) return 1
  return x.blockHash < y.blockHash ? -1 : 1
}
