/** The committee's schedule as the ledger state holds it (committee-election.ts elects it). */

export interface CommitteeMember {
  readonly id: string
  /** Voting power; also the committee reward weight. */
  readonly power: number
}

/** Heights between the state a committee is elected from and the height it decides. */
export const COMMITTEE_LAG = 2
/** How many heights back the schedule remembers committees (for evidence). */
export const COMMITTEE_MEMORY = 1000
/** Most members a committee may have: certificates and commit notices are bounded by it. */
export const MAX_COMMITTEE_SIZE = 100

/** The power of an elected committee's largest stake; the others get proportionally less (at least 1). */
export const TOP_POWER = 1_000_000

/** A committee and the first height it decides. */
export interface CommitteeTerm {
  readonly from: number
  /** Ascending by id. */
  readonly members: readonly CommitteeMember[]
}

/** The schedule of a genesis: its committee decides from height 1. */
export function genesisSchedule(committee: readonly CommitteeMember[]): CommitteeTerm[] {
  return [{ from: 1, members: [...committee].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) }]
}
