/** Test vocabulary for the BFT machine (CometBFT's validatorStub / signAddVotes, without signatures). */
import {
  Committee,
  ConsensusMachine,
  type BlockHash,
  type ConsensusAction,
  type Proposal,
  type Timeouts,
  type Vote,
  type VoteStep,
  proposer,
} from '../../../../src/consensus/bft/index.js'

export const TIMEOUTS: Timeouts = { propose: 300, prevote: 100, precommit: 100, delta: 50 }

/** Member ids '0a', '0b', ..., '0f', '10', ... (hex, sorted in member order) with the given powers. */
export function committeeOf(...powers: number[]): Committee {
  return new Committee(Object.fromEntries(powers.map((p, i) => [memberId(i), p])))
}

export function memberId(i: number): string {
  return (10 + i).toString(16).padStart(2, '0')
}

/** A 64-hex-digit block hash from a short label. */
export function hashOf(label: string): BlockHash {
  let out = ''
  for (const ch of label) out += ch.charCodeAt(0).toString(16).padStart(2, '0')
  return out.padEnd(64, '0').slice(0, 64)
}

export function vote(voter: string, round: number, step: VoteStep, blockHash: BlockHash | null, height = 1): Vote {
  return { height, round, step, blockHash, voter }
}

export interface Harness {
  readonly committee: Committee
  readonly machine: ConsensusMachine
  readonly self: string
  /** Everyone but self, in id order. */
  readonly others: string[]
  proposerAt(round: number): string
  /** Ids of `count` members other than self and other than `exclude`. */
  peers(count: number, exclude?: string): string[]
}

/** A started-or-not machine for `self` (defaults to a member that is not proposer of round 0). */
export function harness(
  opts: { powers?: number[]; self?: string; height?: number; maxFutureRounds?: number } = {},
): Harness {
  const committee = committeeOf(...(opts.powers ?? [1, 1, 1, 1]))
  const height = opts.height ?? 1
  const self = opts.self ?? committee.ids.find((id) => id !== proposer(committee, height, 0))!
  const machine = new ConsensusMachine({
    committee,
    self,
    height,
    timeouts: TIMEOUTS,
    maxFutureRounds: opts.maxFutureRounds ?? 2,
  })
  const others = committee.ids.filter((id) => id !== self)
  return {
    committee,
    machine,
    self,
    others,
    proposerAt: (round) => proposer(committee, height, round),
    peers: (count, exclude) => others.filter((id) => id !== exclude).slice(0, count),
  }
}

export function proposal(p: Partial<Proposal> & { proposer: string; blockHash: BlockHash }): Proposal {
  return { height: 1, round: 0, polRound: -1, ...p }
}

export function ofType<T extends ConsensusAction['type']>(
  actions: readonly ConsensusAction[],
  type: T,
): Extract<ConsensusAction, { type: T }>[] {
  return actions.filter((a): a is Extract<ConsensusAction, { type: T }> => a.type === type)
}

/** The own votes among `actions`, as `step:value` strings (value = hash label prefix or nil). */
export function ownVotes(actions: readonly ConsensusAction[]): Vote[] {
  return ofType(actions, 'broadcastVote').map((a) => a.vote)
}
