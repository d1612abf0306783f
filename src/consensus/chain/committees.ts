/**
 * The BFT committees of the chain's heights, as the ledger's election schedules them
 * (ledger/committee-election.ts): the committee deciding the next height, the one that
 * certified the last, and any other the schedule still knows (vote evidence from earlier
 * heights). One `Committee` object per scheduled term, so the maps are built once per term.
 */
import { Committee } from '../bft/index.js'
import { COMMITTEE_LAG, committeeAt, latestCommittee, type CommitteeMember, type LedgerState } from '../ledger/index.js'

const built = new WeakMap<readonly CommitteeMember[], Committee>()

function committeeOf(members: readonly CommitteeMember[]): Committee {
  let committee = built.get(members)
  if (committee === undefined) {
    committee = new Committee(Object.fromEntries(members.map((m) => [m.id, m.power])))
    built.set(members, committee)
  }
  return committee
}

/** The committee deciding `height`, if the ledger's schedule knows it. */
export function committeeOfHeight(ledger: LedgerState, height: number): Committee | undefined {
  const members = committeeAt(ledger, height)
  return members === undefined ? undefined : committeeOf(members)
}

/**
 * The committee a node expects at `height`: the scheduled one, or beyond the schedule the
 * newest it knows (a guess, right unless the committee changed in between; a notice it
 * refuses is then fetched block by block instead).
 */
export function expectedCommittee(ledger: LedgerState, height: number): Committee {
  return committeeOfHeight(ledger, height) ?? committeeOf(latestCommittee(ledger))
}

/** The committees a chain state carries: of its next height, and of its last (which certified it). */
export function committeesAfter(ledger: LedgerState): { committee: Committee; lastCommittee: Committee } {
  const next = committeeOfHeight(ledger, ledger.height + 1)
  if (next === undefined) throw new Error(`the committee schedule has no committee for height ${ledger.height + 1}`)
  return { committee: next, lastCommittee: committeeOfHeight(ledger, ledger.height) ?? next }
}

/** Every member of a committee deciding one of the next COMMITTEE_LAG heights (who should pool and connect). */
export function upcomingMembers(ledger: LedgerState): ReadonlySet<string> {
  let ids = upcoming.get(ledger)
  if (ids === undefined) {
    ids = new Set<string>()
    for (let h = ledger.height + 1; h <= ledger.height + COMMITTEE_LAG; h++)
      for (const m of committeeAt(ledger, h) ?? []) ids.add(m.id)
    upcoming.set(ledger, ids)
  }
  return ids
}

const upcoming = new WeakMap<LedgerState, Set<string>>()
