/**
 * What the driver keeps of the consensus messages of the heights under way: candidate blocks
 * (by hash), and the signed proposal and vote envelopes (for certificates, evidence, the
 * write-ahead log and peers that missed them). Bounded, keyed by height, dropped once a
 * height is committed.
 */
import { toHex, type Envelope } from '../../wire/index.js'
import type { ChainState } from '../chain/execution.js'
import { blockHash, type Block } from '../chain/block.js'
import { proposer, type Committee, type ConsensusEvent, type Vote } from '../bft/index.js'
import { type Clock, systemClock } from '../../util/timers.js'

export interface Candidate {
  /** Height the block is for (from the proposal, or our own build). */
  readonly height: number
  readonly bytes: Uint8Array
  block?: Block
  /** The chain state after it, once built or verified. */
  next?: ChainState
  /** When this node first received it (its timeliness is judged against that, not against
   * the moment its referenced messages finished arriving). */
  readonly seenAtMs?: number
}

/** Bounds, so no peer can grow what a height holds without limit. */
const MAX_CANDIDATES = 64
const MAX_VOTE_ENVELOPES = 20_000
/** Vote envelopes kept per (height, voter, round, step): two are evidence of equivocation. */
const MAX_VOTES_PER_SLOT = 2
/** Envelopes one `round-messages` answer carries, under the sync frame limit; the newest go. */
export const MAX_ROUND_MESSAGES = 512

export function voteKey(v: Vote): string {
  return `${v.height}|${v.voter}|${v.round}|${v.step}|${v.blockHash ?? 'nil'}`
}

/** Why a proposal or vote was not admitted (a counter name). */
export type RoundInputDrop =
  | 'consensus-input-out-of-range'
  | 'proposal-hash-mismatch'
  | 'proposal-not-proposer'
  | 'proposal-duplicate'

export class RoundInputs {
  /** @param clock when a block was first seen (a voter checks its stamp against that) */
  constructor(private readonly clock: Clock = systemClock) {}

  readonly candidates = new Map<string, Candidate>()
  private readonly votes = new Map<string, Uint8Array>()
  private readonly votesPerSlot = new Map<string, number>()
  private readonly proposals = new Map<string, Uint8Array>()
  /** The hash proposed for each `height|round` (the first valid proposal wins). */
  private readonly proposed = new Map<string, string>()

  addCandidate(hash: string, candidate: Candidate, replace = false): void {
    if (replace || (!this.candidates.has(hash) && this.candidates.size < MAX_CANDIDATES))
      this.candidates.set(hash, candidate)
  }

  /**
   * Keep a vote envelope (`force`: our own, or replayed from the log). A voter gets at most
   * MAX_VOTES_PER_SLOT per (height, round, step), so one Byzantine member cannot fill the
   * table with votes for made-up hashes and crowd out the envelopes certificates need.
   */
  addVote(vote: Vote, envelope: Uint8Array, force = false): void {
    const key = voteKey(vote)
    if (this.votes.has(key)) return
    const slot = `${vote.height}|${vote.voter}|${vote.round}|${vote.step}`
    const count = this.votesPerSlot.get(slot) ?? 0
    if (!force && (count >= MAX_VOTES_PER_SLOT || this.votes.size >= MAX_VOTE_ENVELOPES)) return
    this.votes.set(key, envelope)
    this.votesPerSlot.set(slot, count + 1)
  }

  vote(vote: Vote): Uint8Array | undefined {
    return this.votes.get(voteKey(vote))
  }

  addProposal(height: number, round: number, hash: string, envelope: Uint8Array): void {
    if (this.proposals.size < MAX_CANDIDATES) this.proposals.set(`${height}|${round}|${hash}`, envelope)
  }

  /** The proposal and vote envelopes of one height, newest last, bounded. */
  envelopesOf(height: number): Uint8Array[] {
    const mine = (key: string): boolean => key.startsWith(`${height}|`)
    const all = [...this.proposals].filter(([k]) => mine(k)).map(([, b]) => b)
    all.push(...[...this.votes].filter(([k]) => mine(k)).map(([, b]) => b))
    return all.slice(-MAX_ROUND_MESSAGES)
  }

  /** A block received for `height` (by proposal or from the log), remembered by hash. */
  rememberCandidate(height: number, bytes: Uint8Array): string {
    const hash = toHex(blockHash(bytes))
    this.addCandidate(hash, { height, bytes, seenAtMs: this.clock() })
    return hash
  }

  /**
   * A proposal or vote envelope for heights [next, next + 1] and rounds up to `maxRound` (what
   * a machine would keep: bounded memory), recorded and turned into the machine's event; or
   * the counter of why it was dropped. Other types give undefined.
   */
  admit(
    envelope: Envelope,
    bytes: Uint8Array,
    signer: string,
    next: number,
    maxRound: number,
    committeeAt: (height: number) => Committee | undefined,
  ): { event: ConsensusEvent; height: number } | RoundInputDrop | undefined {
    if (envelope.type === 'proposal') {
      const p = (envelope as Envelope<'proposal'>).payload
      if (p.height < next || p.height > next + 1 || p.round > maxRound) return 'consensus-input-out-of-range'
      // Only the round's proposer may put a block here, once per round: nobody else can fill
      // the bounded candidate table (or set when a block was first seen).
      const committee = committeeAt(p.height)
      if (committee === undefined || proposer(committee, p.height, p.round) !== signer) return 'proposal-not-proposer'
      const hash = toHex(p.blockHash)
      if (toHex(blockHash(p.block)) !== hash) return 'proposal-hash-mismatch'
      const roundKey = `${p.height}|${p.round}`
      const earlier = this.proposed.get(roundKey)
      if (earlier !== undefined && earlier !== hash) return 'proposal-duplicate'
      this.proposed.set(roundKey, hash)
      this.rememberCandidate(p.height, p.block)
      this.addProposal(p.height, p.round, hash, bytes)
      return {
        height: p.height,
        event: {
          type: 'proposal',
          proposal: { height: p.height, round: p.round, polRound: p.polRound, blockHash: hash, proposer: signer },
        },
      }
    }
    if (envelope.type === 'vote') {
      const p = (envelope as Envelope<'vote'>).payload
      if (p.height < next || p.height > next + 1 || p.round > maxRound) return 'consensus-input-out-of-range'
      const vote = {
        height: p.height,
        round: p.round,
        step: p.step,
        blockHash: p.blockHash === null ? null : toHex(p.blockHash),
        voter: signer,
      }
      this.addVote(vote, bytes)
      return { height: p.height, event: { type: 'vote', vote } }
    }
    return undefined
  }

  /** Forget everything of `height` and below; what arrived for later heights stays. */
  committed(height: number): void {
    for (const [hash, c] of this.candidates) if (c.height <= height) this.candidates.delete(hash)
    for (const map of [this.votes, this.votesPerSlot, this.proposals, this.proposed])
      for (const key of map.keys()) if (Number(key.split('|')[0]) <= height) map.delete(key)
  }
}
