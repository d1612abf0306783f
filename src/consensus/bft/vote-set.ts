/**
 * Vote bookkeeping for one height, tallied by voting power (CometBFT `VoteSet` and
 * `HeightVoteSet`). Checks run in a fixed order, cheapest first: membership, duplicate or
 * conflict, future-round quota.
 *
 * A conflicting vote (a second value from one voter in one slot) is returned with the first
 * one, for evidence, and is counted the way the paper counts messages: the voter's power goes
 * at most once into the tally of each value it signed, and exactly once into the "any value"
 * tally. So an equivocator adds nothing to a "2/3 of anything" or ">1/3 in a round" count, and
 * can only put its own power behind each value, which is what a Byzantine member can do by
 * telling different peers different things anyway (quorum intersection rests on honest power
 * alone). Counting only the first value instead would leave a node that saw the "wrong" value
 * first unable to accept a commit certificate that holds the other one, and stuck once the
 * rest of the committee has moved on to the next height.
 *
 * Memory per slot stays bounded without losing the values that matter: a voter's extra value
 * is kept while it has fewer than `FREE_VALUES`, or when someone else already voted that
 * value. So every value kept is among some voter's first `FREE_VALUES`: at most
 * FREE_VALUES·n values, each voter in at most FREE_VALUES·(n+1) of them. A value an honest
 * member voted for is always accepted from an equivocator once the honest vote is in (gossip
 * delivers it again), which is what a proof of lock or a certificate needs.
 *
 * Memory stays bounded across rounds too: rounds up to the current one are opened by the
 * node's own progress (timeouts or a >1/3 round skip, which needs an honest member), and each
 * voter may occupy at most `maxFutureRounds` rounds beyond the current one. When a voter at
 * its quota shows up in a still higher round, its votes in its lowest future round are
 * evicted: the newest rounds are what a lagging node needs to catch up (a peer that kept its
 * quota on stale rounds could otherwise pin us), and a future round has not fed any rule yet,
 * so forgetting it is safe.
 */
import type { Committee } from './committee.js'
import { type BlockHash, type Vote, type VoteStep, valueKey } from './types.js'

/** Values a voter may put in one slot unconditionally (the first, and one conflicting). */
const FREE_VALUES = 2

export type AddResult =
  | { readonly kind: 'added' }
  | { readonly kind: 'duplicate' }
  /** Counted for its value (see above for when it is kept), and to be reported with `existing`. */
  | { readonly kind: 'conflicting'; readonly existing: Vote }
  | { readonly kind: 'nonMember' }
  | { readonly kind: 'futureRound' }

/** The votes of one (height, round, step). */
export class VoteSet {
  private readonly byVoter = new Map<string, Vote[]>()
  private readonly byValue = new Map<string, number>()
  private anyPower = 0

  constructor(private readonly committee: Committee) {}

  /** The voter's votes here, first one first. */
  of(voter: string): readonly Vote[] {
    return this.byVoter.get(voter) ?? []
  }

  /** The caller has checked membership and that `vote`'s value is new for its voter. */
  put(vote: Vote): void {
    const power = this.committee.power(vote.voter)
    const votes = this.byVoter.get(vote.voter)
    if (votes === undefined) {
      this.byVoter.set(vote.voter, [vote])
      this.anyPower += power
      return this.count(vote, power)
    }
    if (votes.length >= FREE_VALUES && this.powerFor(vote.blockHash) === 0) return
    votes.push(vote)
    this.count(vote, power)
  }

  private count(vote: Vote, power: number): void {
    const key = valueKey(vote.blockHash)
    this.byValue.set(key, (this.byValue.get(key) ?? 0) + power)
  }

  remove(voter: string): void {
    const votes = this.byVoter.get(voter)
    if (votes === undefined) return
    const power = this.committee.power(voter)
    this.byVoter.delete(voter)
    for (const v of votes) {
      const key = valueKey(v.blockHash)
      this.byValue.set(key, (this.byValue.get(key) ?? 0) - power)
    }
    this.anyPower -= power
  }

  /** Power of the voters that voted for `blockHash` (nil when null). */
  powerFor(blockHash: BlockHash | null): number {
    return this.byValue.get(valueKey(blockHash)) ?? 0
  }

  /** Power of the voters that voted at all, each once. */
  powerAny(): number {
    return this.anyPower
  }

  hasQuorumFor(blockHash: BlockHash | null): boolean {
    return this.powerFor(blockHash) >= this.committee.quorum
  }

  hasQuorumAny(): boolean {
    return this.anyPower >= this.committee.quorum
  }

  /** The first non-nil hash with a quorum, if any (there is at most one while Byzantine power < 1/3). */
  quorumBlock(): BlockHash | undefined {
    for (const [key, power] of this.byValue) {
      if (key !== 'nil' && power >= this.committee.quorum) return key
    }
    return undefined
  }

  /** Votes for `blockHash`, ordered by voter id so every node builds the same list from the same set. */
  votesFor(blockHash: BlockHash | null): Vote[] {
    return this.all().filter((v) => v.blockHash === blockHash)
  }

  /** Every vote kept, by voter id (a voter's first value first). */
  all(): Vote[] {
    const voters = [...this.byVoter.keys()].sort((a, b) => (a < b ? -1 : 1))
    return voters.flatMap((voter) => this.byVoter.get(voter)!)
  }

  voters(): IterableIterator<string> {
    return this.byVoter.keys()
  }

  get size(): number {
    return this.byVoter.size
  }
}

interface RoundVotes {
  readonly prevote: VoteSet
  readonly precommit: VoteSet
}

/** All votes of one height, by round and step. */
export class HeightVotes {
  private readonly rounds = new Map<number, RoundVotes>()
  /** Rounds each voter has a vote in, to enforce the future-round quota. */
  private readonly roundsOf = new Map<string, Set<number>>()
  /** `roundNumbers()`, cached until a round is opened or dropped (the rules ask on every pass). */
  private sorted: number[] | undefined

  constructor(
    private readonly committee: Committee,
    private readonly maxFutureRounds: number,
  ) {}

  /** Adds `vote` (of this height) seen while the node is at `currentRound`. */
  add(vote: Vote, currentRound: number): AddResult {
    if (!this.committee.has(vote.voter)) return { kind: 'nonMember' }
    const set = this.rounds.get(vote.round)?.[vote.step]
    const existing = set?.of(vote.voter) ?? []
    if (existing.some((v) => v.blockHash === vote.blockHash)) return { kind: 'duplicate' }
    if (existing.length > 0) {
      set!.put(vote)
      return { kind: 'conflicting', existing: existing[0] }
    }
    const mine = this.roundsOf.get(vote.voter) ?? new Set<number>()
    if (
      vote.round > currentRound &&
      !mine.has(vote.round) &&
      !this.makeRoom(vote.voter, mine, vote.round, currentRound)
    ) {
      return { kind: 'futureRound' }
    }
    mine.add(vote.round)
    this.roundsOf.set(vote.voter, mine)
    this.open(vote.round)[vote.step].put(vote)
    return { kind: 'added' }
  }

  set(round: number, step: VoteStep): VoteSet | undefined {
    return this.rounds.get(round)?.[step]
  }

  /**
   * Power of the members with any vote in `round` (prevote or precommit, each member once):
   * the evidence that someone honest has reached that round.
   */
  powerInRound(round: number): number {
    const votes = this.rounds.get(round)
    if (votes === undefined) return 0
    let power = votes.prevote.powerAny()
    for (const voter of votes.precommit.voters()) {
      if (votes.prevote.of(voter).length === 0) power += this.committee.power(voter)
    }
    return power
  }

  /** Rounds with any vote, ascending. */
  roundNumbers(): readonly number[] {
    this.sorted ??= [...this.rounds.keys()].sort((a, b) => a - b)
    return this.sorted
  }

  private open(round: number): RoundVotes {
    let votes = this.rounds.get(round)
    if (votes === undefined) {
      votes = { prevote: new VoteSet(this.committee), precommit: new VoteSet(this.committee) }
      this.rounds.set(round, votes)
      this.sorted = undefined
    }
    return votes
  }

  /** Frees a future-round slot of `voter` for `round`, if its quota allows; see the file comment. */
  private makeRoom(voter: string, mine: Set<number>, round: number, currentRound: number): boolean {
    let lowest = Infinity
    let future = 0
    for (const r of mine) {
      if (r <= currentRound) continue
      future += 1
      lowest = Math.min(lowest, r)
    }
    if (future < this.maxFutureRounds) return true
    if (future === 0 || round < lowest) return false
    const votes = this.rounds.get(lowest)
    if (votes !== undefined) {
      votes.prevote.remove(voter)
      votes.precommit.remove(voter)
      // Drop the emptied round too, or a voter hopping through far rounds would leave a trail.
      if (votes.prevote.size === 0 && votes.precommit.size === 0) {
        this.rounds.delete(lowest)
        this.sorted = undefined
      }
    }
    mine.delete(lowest)
    return true
  }
}
