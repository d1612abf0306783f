/**
 * The committee chosen by stake. Coordinators stand as candidates (the `candidacy`
 * transaction; the genesis committee stands from the start). After every block h, the
 * committee of height h + COMMITTEE_LAG is elected from the state block h commits: the
 * `committeeSize` candidates with the most self-stake (at least `committeeMinStake`), ties to
 * the smaller id, each with voting power proportional to its stake. Every node computes the
 * same committee from the same state, and knows the committees of the next COMMITTEE_LAG
 * heights ahead of time: time for a newcomer to connect and pool before it votes.
 *
 * Heights 1 .. COMMITTEE_LAG belong to the genesis committee, with its genesis powers. With no
 * eligible candidate the committee stays as it is, so a genesis whose committee has no stake
 * keeps that committee. The schedule also keeps the committees in force over the last
 * COMMITTEE_MEMORY heights: vote evidence from that far back is still judged by the committee
 * of its height.
 */
import { LedgerError } from './errors.js'
import {
  COMMITTEE_LAG,
  COMMITTEE_MEMORY,
  MAX_COMMITTEE_SIZE,
  TOP_POWER,
  type CommitteeMember,
} from './committee-terms.js'
import type { LedgerState } from './state.js'

export { COMMITTEE_LAG, COMMITTEE_MEMORY, MAX_COMMITTEE_SIZE, type CommitteeTerm } from './committee-terms.js'

/** The committee deciding `height`, if the schedule knows it (not too old, not beyond the lag). */
export function committeeAt(state: LedgerState, height: number): readonly CommitteeMember[] | undefined {
  if (height > state.height + COMMITTEE_LAG || height < state.height - COMMITTEE_MEMORY) return undefined
  const terms = state.committees
  for (let i = terms.length - 1; i >= 0; i--) if (terms[i].from <= height) return terms[i].members
  return undefined
}

/** The newest committee the schedule holds (the one deciding `height + COMMITTEE_LAG`). */
export function latestCommittee(state: LedgerState): readonly CommitteeMember[] {
  return state.committees[state.committees.length - 1].members
}

export function isCandidate(state: LedgerState, id: string): boolean {
  return state.candidates.has(id)
}

/** The committee the state elects, or undefined when no candidate is eligible. */
export function electCommittee(state: LedgerState): CommitteeMember[] | undefined {
  const min = state.params.committeeMinStake
  const eligible: { id: string; stake: bigint }[] = []
  for (const id of state.candidates) {
    const stake = state.accounts.get(id)?.stake ?? 0n
    if (stake >= min && stake > 0n) eligible.push({ id, stake })
  }
  if (eligible.length === 0) return undefined
  eligible.sort((a, b) => (a.stake !== b.stake ? (a.stake > b.stake ? -1 : 1) : compare(a.id, b.id)))
  const chosen = eligible.slice(0, state.params.committeeSize)
  const top = chosen[0].stake
  return chosen
    .map(({ id, stake }) => {
      const power = (stake * BigInt(TOP_POWER)) / top
      return { id, power: Number(power > 0n ? power : 1n) }
    })
    .sort((a, b) => compare(a.id, b.id))
}

export function sameCommittee(a: readonly CommitteeMember[], b: readonly CommitteeMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m.id === b[i].id && m.power === b[i].power)
}

/**
 * After the block at `state.height`: elect the committee of `height + COMMITTEE_LAG`. A new
 * term starts only when the committee differs from the one before it, and that block becomes
 * the last hand-off; terms no height within COMMITTEE_MEMORY uses any more are dropped.
 */
export function scheduleCommittee(state: LedgerState): LedgerState {
  const elected = electCommittee(state)
  const from = state.height + COMMITTEE_LAG
  let terms = state.committees
  let lastHandoff = state.lastHandoff
  if (elected !== undefined && !sameCommittee(elected, latestCommittee(state))) {
    terms = [...terms, { from, members: elected }]
    lastHandoff = state.height
  }
  const oldest = state.height - COMMITTEE_MEMORY
  let drop = 0
  while (drop + 1 < terms.length && terms[drop + 1].from <= oldest) drop++
  if (drop > 0) terms = terms.slice(drop)
  const next =
    terms === state.committees && lastHandoff === state.lastHandoff
      ? state
      : { ...state, committees: terms, lastHandoff }
  assertCommitteeBounds(next)
  return next
}

/** The invariant: every scheduled committee has 1 .. MAX_COMMITTEE_SIZE members, in id order, with positive powers. */
export function committeeBoundsProblem(state: LedgerState): string | undefined {
  if (state.committees.length === 0) return 'the committee schedule is empty'
  for (const term of state.committees) {
    const n = term.members.length
    if (n < 1 || n > MAX_COMMITTEE_SIZE)
      return `the committee from height ${term.from} has ${n} members, outside 1..${MAX_COMMITTEE_SIZE}`
    for (let i = 0; i < n; i++) {
      const m = term.members[i]
      if (!Number.isSafeInteger(m.power) || m.power < 1)
        return `member ${m.id} from height ${term.from} has power ${m.power}`
      if (i > 0 && !(term.members[i - 1].id < m.id)) return `the committee from height ${term.from} is not in id order`
    }
  }
  return undefined
}

export function assertCommitteeBounds(state: LedgerState): void {
  const problem = committeeBoundsProblem(state)
  if (problem !== undefined) throw new LedgerError('COMMITTEE_BOUNDS', `height ${state.height}: ${problem}`)
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
