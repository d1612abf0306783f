/**
 * One height of Tendermint consensus as a pure, synchronous state machine: Algorithm 1 of
 * "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic 2018), line numbers cited
 * as L22 etc. `handle(event)` mutates the state and returns the actions to perform; there is
 * no I/O, clock or randomness, and every iteration that can affect an output runs in a fixed
 * order, so replaying the same events (a write-ahead log) rebuilds the same state and actions.
 *
 * After every input the rules ("upon ...") are re-evaluated until none fires, so an input
 * that completes several conditions at once (or the node's own vote completing a quorum) is
 * handled in the same call. Transitions go through one guarded `enterX` per step; a stale
 * or repeated trigger is a no-op. Deviations from the paper, each for the hash-only world:
 * - valid(v) is the driver's `blockVerdict`; until it arrives no rule that needs it fires.
 * - L49 (commit) needs the precommit quorum and a valid verdict, not the proposal message:
 *   the block is fetched by hash, so a node that missed the proposal still decides.
 * - Every node, the proposer included, schedules the propose timeout, so a driver that
 *   cannot build a block in time costs a round rather than the height.
 * - Only the current round's proposal and proposals up to `maxFutureRounds` ahead are kept.
 * - An equivocator's second vote counts for its own value (never twice in one tally), as the
 *   paper counts messages; see vote-set.ts for why and for the memory bound.
 * Messages of another height return [] and change nothing: the driver buffers the next
 * height's messages (see `relation`) and feeds them to the next machine. README.md holds the
 * driver's side of the contract.
 */
import type { Committee } from './committee.js'
import { evidenceKey, makeEvidence } from './evidence.js'
import { type MachineConfig, checkConfig, wellFormedProposal, wellFormedTimeout, wellFormedVote } from './inputs.js'
import { proposer } from './proposer.js'
import { type Firing, type RoundState, type RuleInputs, type Verdict, initialRoundState, nextFiring } from './rules.js'
import {
  type BlockHash,
  type ConsensusAction,
  type ConsensusEvent,
  DROP_REASONS,
  type Decision,
  type DropReason,
  type Proposal,
  Step,
  type TimeoutStep,
  type Timeouts,
  type Vote,
  type VoteStep,
  isBlockHash,
} from './types.js'
import { HeightVotes } from './vote-set.js'

export type { MachineConfig } from './inputs.js'

/** The node was about to sign, or was shown, a second different vote of its own: state was lost. */
export class SelfEquivocationError extends Error {
  override readonly name = 'SelfEquivocationError'
}

export class ConsensusMachine {
  readonly height: number
  private readonly committee: Committee
  private readonly self: string
  private readonly timeouts: Timeouts
  private readonly maxFutureRounds: number

  private started = false
  private readonly rs: RoundState = initialRoundState()
  private decided: Decision | undefined
  /** Round whose `requestBlock` is outstanding. */
  private awaitingValue: number | undefined

  private readonly proposals = new Map<number, Proposal>()
  private readonly votes: HeightVotes
  private readonly verdicts = new Map<BlockHash, Verdict>()
  private readonly validationRequested = new Set<BlockHash>()
  private readonly reported = new Set<string>()
  private readonly proposers = new Map<number, string>()
  private readonly inputs: RuleInputs
  private out: ConsensusAction[] = []
  /** Ignored inputs by reason: the driver exports them as a metric. */
  readonly dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>

  constructor(config: MachineConfig) {
    checkConfig(config)
    this.committee = config.committee
    this.self = config.self
    this.height = config.height
    this.timeouts = config.timeouts
    this.maxFutureRounds = config.maxFutureRounds
    this.votes = new HeightVotes(config.committee, config.maxFutureRounds)
    this.inputs = {
      committee: this.committee,
      votes: this.votes,
      proposal: (round) => this.proposals.get(round),
      verdict: (blockHash) => this.verdictOf(blockHash),
    }
  }

  /** A copy of the round state (round, step, lock, valid value, per-round flags). */
  get state(): Readonly<RoundState> {
    return { ...this.rs }
  }

  get round(): number {
    return this.rs.round
  }

  get step(): Step {
    return this.rs.step
  }

  get decision(): Decision | undefined {
    return this.decided
  }

  /**
   * The votes held for (round, step), by voter: for the driver to answer sync requests and to
   * gossip the prevotes a re-proposal's polRound rests on (peers cannot prevote it without them).
   */
  votesAt(round: number, step: VoteStep): Vote[] {
    return this.votes.set(round, step)?.all() ?? []
  }

  /** Where a message of `height` belongs: 'future' ones are for the driver to keep for later machines. */
  relation(height: number): 'past' | 'current' | 'future' {
    return height < this.height ? 'past' : height > this.height ? 'future' : 'current'
  }

  handle(event: ConsensusEvent): ConsensusAction[] {
    this.out = []
    if (this.rs.step === Step.Commit) this.drop('decided')
    else this.accept(event)
    this.evaluate()
    const out = this.out
    this.out = []
    return out
  }

  private accept(event: ConsensusEvent): void {
    switch (event.type) {
      case 'start':
        if (this.started) return this.drop('duplicate')
        return this.enterNewRound(0)
      case 'proposal':
        return this.onProposal(event.proposal)
      case 'vote':
        return this.onVote(event.vote)
      case 'timeout':
        return this.onTimeout(event)
      case 'blockVerdict':
        if (!isBlockHash(event.blockHash)) return this.drop('malformed')
        if (this.verdicts.has(event.blockHash)) return this.drop('duplicate')
        this.verdicts.set(event.blockHash, { valid: event.valid === true, timely: event.timely !== false })
        return
      case 'proposalValue':
        return this.onProposalValue(event.blockHash, event.round)
    }
  }

  private onProposal(p: Proposal): void {
    if (!wellFormedProposal(p)) return this.drop('malformed')
    if (p.height !== this.height) return this.drop('otherHeight')
    if (p.round < this.rs.round) return this.drop('pastRound')
    if (p.round > this.rs.round + this.maxFutureRounds) return this.drop('futureRound')
    if (p.proposer !== this.proposerOf(p.round)) return this.drop('wrongProposer')
    const existing = this.proposals.get(p.round)
    // First proposal wins; a proposer that sends two is handled by safety, not by choice here.
    if (existing !== undefined)
      return this.drop(
        existing.blockHash === p.blockHash && existing.polRound === p.polRound ? 'duplicate' : 'conflicting',
      )
    this.proposals.set(p.round, p)
  }

  private onVote(v: Vote): void {
    if (!wellFormedVote(v)) return this.drop('malformed')
    if (v.height !== this.height) return this.drop('otherHeight')
    if (
      v.voter === this.self &&
      this.votes
        .set(v.round, v.step)
        ?.of(v.voter)
        .some((mine) => mine.blockHash !== v.blockHash)
    ) {
      throw new SelfEquivocationError(
        `shown a second own ${v.step} at ${v.height}/${v.round}: restarted without the write-ahead log?`,
      )
    }
    const result = this.votes.add(v, this.rs.round)
    if (result.kind === 'added') return
    if (result.kind !== 'conflicting') return this.drop(result.kind)
    // Counted for its value (see vote-set.ts); reported once per slot.
    const evidence = makeEvidence(result.existing, v)
    const key = evidenceKey(evidence)
    if (this.reported.has(key)) return
    this.reported.add(key)
    this.emit({ type: 'evidence', evidence })
  }

  private onTimeout(t: { height: number; round: number; step: TimeoutStep }): void {
    if (!wellFormedTimeout(t)) return this.drop('malformed')
    const current = this.started && t.height === this.height && t.round === this.rs.round
    if (current && t.step === 'propose' && this.rs.step === Step.Propose) return this.enterPrevote(t.round, null) // L57
    if (current && t.step === 'prevote' && this.rs.step === Step.Prevote) return this.enterPrecommit(t.round, null) // L61
    if (current && t.step === 'precommit') return this.enterNewRound(t.round + 1) // L65
    this.drop('staleTimeout')
  }

  private onProposalValue(blockHash: BlockHash, round: number | undefined): void {
    if (!isBlockHash(blockHash)) return this.drop('malformed')
    const r = this.awaitingValue
    if (
      r === undefined ||
      r !== this.rs.round ||
      this.rs.step !== Step.Propose ||
      (round !== undefined && round !== r)
    ) {
      return this.drop('unexpectedValue')
    }
    this.awaitingValue = undefined
    // The driver built it, so it is valid and timely for us.
    if (!this.verdicts.has(blockHash)) this.verdicts.set(blockHash, { valid: true, timely: true })
    this.propose(blockHash, -1)
  }

  /** Re-checks the rules until none fires; each firing moves the step, the round or a flag, so this ends. */
  private evaluate(): void {
    while (this.started && this.rs.step !== Step.Commit) {
      const firing = nextFiring(this.rs, this.inputs)
      if (firing === undefined) return
      this.perform(firing)
    }
  }

  private perform(f: Firing): void {
    const round = this.rs.round
    switch (f.rule) {
      case 'L49 commit':
        return this.enterCommit(f.round, f.blockHash)
      case 'L55 round skip':
        return this.enterNewRound(f.round)
      case 'L22/L28 prevote':
        return this.enterPrevote(round, f.blockHash)
      case 'L36 polka':
        this.rs.polkaSeen = true
        this.enterPrecommit(round, f.blockHash) // a no-op unless still at prevote: then it locks
        this.rs.validRound = round
        this.rs.validValue = f.blockHash
        return
      case 'L44 precommit nil':
        return this.enterPrecommit(round, null)
      case 'L34 prevote wait':
        this.rs.prevoteWaitScheduled = true
        return this.schedule('prevote')
      case 'L47 precommit wait':
        this.rs.precommitWaitScheduled = true
        return this.schedule('precommit')
    }
  }

  /**
   * Enter when: `start` (round 0); the precommit timeout of the current round (L65, round+1);
   * more than 1/3 of power voting in a higher round (L55).
   */
  private enterNewRound(round: number): void {
    if (this.rs.step === Step.Commit || round < this.rs.round || (round === this.rs.round && this.started)) return
    this.started = true
    this.rs.round = round
    this.rs.step = Step.Propose
    this.rs.prevoteWaitScheduled = false
    this.rs.precommitWaitScheduled = false
    this.rs.polkaSeen = false
    for (const r of this.proposals.keys()) if (r < round) this.proposals.delete(r)
    this.enterPropose(round)
  }

  /** Enter when: right after enterNewRound. The proposer re-proposes validValue, else asks for a block. */
  private enterPropose(round: number): void {
    if (round !== this.rs.round || this.rs.step !== Step.Propose) return
    this.schedule('propose')
    // An own proposal already here came back from an earlier life of this node: never sign a second.
    if (this.proposerOf(round) !== this.self || this.proposals.has(round)) return
    if (this.rs.validValue !== null) return this.propose(this.rs.validValue, this.rs.validRound)
    this.awaitingValue = round
    this.emit({ type: 'requestBlock', height: this.height, round })
  }

  /** Enter when: a proposal passes L22/L28 (prevote it or nil), or the propose timeout (L57, nil). */
  private enterPrevote(round: number, blockHash: BlockHash | null): void {
    if (round !== this.rs.round || this.rs.step !== Step.Propose) return
    this.castVote('prevote', blockHash)
    this.rs.step = Step.Prevote
    this.awaitingValue = undefined
  }

  /** Enter when: a prevote quorum for the proposal (L36, locks) or for nil (L44), or the prevote timeout (L61, nil). */
  private enterPrecommit(round: number, blockHash: BlockHash | null): void {
    if (round !== this.rs.round || this.rs.step !== Step.Prevote) return
    this.castVote('precommit', blockHash)
    if (blockHash !== null) {
      this.rs.lockedRound = round
      this.rs.lockedValue = blockHash
    }
    this.rs.step = Step.Precommit
  }

  /** Enter when: a precommit quorum of some round for a block judged valid (L49). Terminal. */
  private enterCommit(round: number, blockHash: BlockHash): void {
    if (this.rs.step === Step.Commit) return
    const certificate = this.votes.set(round, 'precommit')?.votesFor(blockHash) ?? []
    this.rs.step = Step.Commit
    this.decided = { round, blockHash, certificate }
    this.emit({ type: 'commit', height: this.height, round, blockHash, certificate })
  }

  private propose(blockHash: BlockHash, polRound: number): void {
    const proposal: Proposal = { height: this.height, round: this.rs.round, polRound, blockHash, proposer: this.self }
    this.proposals.set(this.rs.round, proposal)
    this.emit({ type: 'broadcastProposal', proposal })
  }

  /** Signs first, so a refused vote (SelfEquivocationError) leaves the state as it was. */
  private castVote(step: VoteStep, blockHash: BlockHash | null): void {
    if (!this.committee.has(this.self)) return
    const mine = this.votes.set(this.rs.round, step)?.of(this.self) ?? []
    if (mine.some((v) => v.blockHash !== blockHash))
      throw new SelfEquivocationError(`refusing a second own ${step} at ${this.height}/${this.rs.round}`)
    const vote: Vote = { height: this.height, round: this.rs.round, step, blockHash, voter: this.self }
    this.votes.add(vote, this.rs.round)
    this.emit({ type: 'broadcastVote', vote })
  }

  private schedule(step: TimeoutStep): void {
    const ms = this.timeouts[step] + this.rs.round * this.timeouts.delta
    this.emit({ type: 'scheduleTimeout', height: this.height, round: this.rs.round, step, ms })
  }

  /** The verdict on `hash`; asks the driver (once) when there is none yet. */
  private verdictOf(hash: BlockHash): Verdict | undefined {
    const verdict = this.verdicts.get(hash)
    if (verdict === undefined && !this.validationRequested.has(hash)) {
      this.validationRequested.add(hash)
      this.emit({ type: 'validateBlock', height: this.height, blockHash: hash })
    }
    return verdict
  }

  private proposerOf(round: number): string {
    let id = this.proposers.get(round)
    if (id === undefined) {
      id = proposer(this.committee, this.height, round)
      this.proposers.set(round, id)
    }
    return id
  }

  private emit(action: ConsensusAction): void {
    this.out.push(action)
  }

  private drop(reason: DropReason): void {
    this.dropped[reason] += 1
  }
}
