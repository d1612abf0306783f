/**
 * n = 4, one height: every delivery order of a round's messages to one node (8! = 40,320
 * each), checked against a direct reading of the paper; then the whole network densely
 * sampled over random orders, drops and early timeouts.
 */
import { describe, expect, it } from 'vitest'
import { type ConsensusEvent, ConsensusMachine, verifyCertificate } from '../../../../src/consensus/bft/index.js'
import { TIMEOUTS, committeeOf, hashOf, ofType, ownVotes, proposal, vote } from './helpers.js'
import { runSim } from './sim.js'

const A = hashOf('A')
const committee = committeeOf(1, 1, 1, 1) // proposer of (1, 0) is 0b; the node under test is 0a

/** Heap's algorithm, iterative: every permutation of `items`, each yielded as a fresh array. */
function* permutations<T>(items: readonly T[]): Generator<T[]> {
  const a = [...items]
  const c = new Array<number>(a.length).fill(0)
  yield [...a]
  let i = 0
  while (i < a.length) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i]
      ;[a[i], a[j]] = [a[j], a[i]]
      yield [...a]
      c[i] += 1
      i = 0
    } else {
      c[i] = 0
      i += 1
    }
  }
}

const machine = () => {
  const m = new ConsensusMachine({ committee, self: '0a', height: 1, timeouts: TIMEOUTS, maxFutureRounds: 2 })
  m.handle({ type: 'start' })
  return m
}
const voteEv = (voter: string, step: 'prevote' | 'precommit', hash: string | null): ConsensusEvent => ({
  type: 'vote',
  vote: vote(voter, 0, step, hash),
})
const PROPOSAL: ConsensusEvent = { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) }
const VERDICT: ConsensusEvent = { type: 'blockVerdict', blockHash: A, valid: true }

describe('n = 4, every delivery order to one node', () => {
  it('decides A in all 40,320 orders of a good round, with a valid certificate and no nil vote', () => {
    const items = [
      PROPOSAL,
      VERDICT,
      ...['0b', '0c', '0d'].flatMap((v) => [voteEv(v, 'prevote', A), voteEv(v, 'precommit', A)]),
    ]
    let orders = 0
    for (const order of permutations(items)) {
      const m = machine()
      const out = order.flatMap((e) => m.handle(e))
      const commits = ofType(out, 'commit')
      expect(commits).toHaveLength(1)
      expect(verifyCertificate(committee, 1, A, commits[0].certificate)).toBe(true)
      const mine = ownVotes(out)
      expect(mine.every((v) => v.blockHash === A)).toBe(true)
      expect(new Set(mine.map((v) => v.step)).size).toBe(mine.length)
      orders++
    }
    expect(orders).toBe(40_320)
  })

  it('matches the paper in all 40,320 orders of a round with an equivocator and both timeouts', () => {
    const T_PROPOSE: ConsensusEvent = { type: 'timeout', height: 1, round: 0, step: 'propose' }
    const T_PREVOTE: ConsensusEvent = { type: 'timeout', height: 1, round: 0, step: 'prevote' }
    const items = [
      PROPOSAL,
      VERDICT,
      voteEv('0c', 'prevote', A),
      voteEv('0d', 'prevote', A),
      voteEv('0b', 'prevote', A),
      voteEv('0b', 'prevote', null),
      T_PROPOSE,
      T_PREVOTE,
    ]
    const outcomes = new Map<string, number>()
    for (const order of permutations(items)) {
      const m = machine()
      const out = order.flatMap((e) => m.handle(e))
      expect(ofType(out, 'evidence')).toHaveLength(1)
      const mine = ownVotes(out).map((v) => `${v.step}:${v.blockHash === A ? 'A' : 'nil'}`)
      expect(mine).toEqual(paper(order))
      outcomes.set(mine.join(' '), (outcomes.get(mine.join(' ')) ?? 0) + 1)
    }
    // Every branch is reached by some order, including L36 at step precommit's door: a node that
    // prevoted nil (proposal too late) still precommits A when the others' prevotes make a quorum.
    expect([...outcomes.keys()].sort()).toEqual([
      'prevote:A precommit:A',
      'prevote:A precommit:nil',
      'prevote:nil precommit:A',
      'prevote:nil precommit:nil',
    ])

    /** Lines 22-27, 36-43, 57-64 of Algorithm 1, read directly, for this one round. */
    function paper(order: readonly ConsensusEvent[]): string[] {
      const out: string[] = []
      let step: 'propose' | 'prevote' | 'precommit' = 'propose'
      let proposal = false
      let verdict = false
      const prevotesForA = new Set<string>()
      for (const e of order) {
        if (e === PROPOSAL) proposal = true
        if (e === VERDICT) verdict = true
        if (e.type === 'vote' && e.vote.blockHash === A) prevotesForA.add(e.vote.voter)
        if (step === 'propose' && proposal && verdict) {
          out.push('prevote:A')
          prevotesForA.add('0a')
          step = 'prevote'
        } else if (step === 'propose' && e === T_PROPOSE) {
          out.push('prevote:nil')
          step = 'prevote'
        }
        if (step === 'prevote' && proposal && verdict && prevotesForA.size >= 3) {
          out.push('precommit:A')
          step = 'precommit'
        } else if (step === 'prevote' && e === T_PREVOTE) {
          out.push('precommit:nil')
          step = 'precommit'
        }
      }
      return out
    }
  })
})

describe('n = 4, one height, the network densely sampled', () => {
  const run = (seeds: number, config: Omit<Parameters<typeof runSim>[0], 'seed' | 'powers'>) => {
    const decisions = new Set<string>()
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runSim({ seed, powers: [1, 1, 1, 1], heights: 1, maxSteps: 20_000, ...config })
      expect(r.safetyViolations, `seed ${seed}`).toEqual([])
      expect(r.violations, `seed ${seed}`).toEqual([])
      expect(r.allDecided, `seed ${seed}`).toBe(true)
      for (const d of r.decisions.values()) decisions.add(`${seed}:${d.get(1)!.blockHash}`)
    }
    // One decision per seed: all honest nodes agree.
    expect(decisions.size).toBe(seeds)
  }

  it('all honest: 1,500 random orders with drops, duplicates and early timeouts', () => {
    run(1_500, { chaosSteps: 150, dropRate: 0.2, dupRate: 0.2, earlyTimeoutRate: 0.1 })
  })

  it('one equivocator: 800 random orders with drops, duplicates and early timeouts', () => {
    run(800, { behaviours: { 1: 'equivocator' }, chaosSteps: 150, dropRate: 0.2, dupRate: 0.2, earlyTimeoutRate: 0.1 })
  })
})
