import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type ConsensusAction,
  type ConsensusEvent,
  ConsensusMachine,
  SelfEquivocationError,
  Step,
  makeEvidence,
  verifyCertificate,
} from '../../../../src/consensus/bft/index.js'
import { TIMEOUTS, committeeOf, harness, hashOf, ofType, ownVotes, proposal, vote } from './helpers.js'

const A = hashOf('A')
const B = hashOf('B')
const feed = (m: ConsensusMachine, ...events: ConsensusEvent[]): ConsensusAction[] => events.flatMap((e) => m.handle(e))
const voteEv = (
  voter: string,
  round: number,
  step: 'prevote' | 'precommit',
  hash: string | null,
  height = 1,
): ConsensusEvent => ({
  type: 'vote',
  vote: vote(voter, round, step, hash, height),
})

describe('ConsensusMachine: faulty inputs', () => {
  it('reports an equivocation once, in canonical form, and counts the voter once per value', () => {
    const { machine, committee } = harness()
    machine.handle({ type: 'start' })
    const first = feed(machine, voteEv('0b', 0, 'precommit', A), voteEv('0b', 0, 'precommit', B))
    expect(ofType(first, 'evidence')).toEqual([
      { type: 'evidence', evidence: makeEvidence(vote('0b', 0, 'precommit', A), vote('0b', 0, 'precommit', B)) },
    ])
    // A third value, or the same pair again: nothing new.
    expect(
      ofType(feed(machine, voteEv('0b', 0, 'precommit', null), voteEv('0b', 0, 'precommit', B)), 'evidence'),
    ).toEqual([])
    // 0b is one voter in the "any value" tally: with 0c that is 2 of 4, no precommit wait yet.
    const two = feed(
      machine,
      voteEv('0c', 0, 'precommit', A),
      { type: 'blockVerdict', blockHash: A, valid: true },
      { type: 'blockVerdict', blockHash: B, valid: true },
    )
    expect(ofType(two, 'scheduleTimeout')).toEqual([])
    // 0d for B: 3 of 4 voted, A has 0b+0c, B has 0b+0d: a wait, no decision.
    const three = feed(machine, voteEv('0d', 0, 'precommit', B))
    expect(ofType(three, 'scheduleTimeout').map((a) => a.step)).toEqual(['precommit'])
    expect(machine.decision).toBeUndefined()
    // The equivocator's signed precommit for A is real: 0a's own precommit for A completes a certificate with it.
    feed(
      machine,
      { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) },
      voteEv('0c', 0, 'prevote', A),
      voteEv('0d', 0, 'prevote', A),
    )
    expect(machine.decision?.certificate.map((v) => v.voter)).toEqual(['0a', '0b', '0c'])
    expect(verifyCertificate(committee, 1, A, machine.decision!.certificate)).toBe(true)
  })

  it('fails stop when shown a different vote of its own (state lost), never signing a second', () => {
    const { machine } = harness()
    feed(machine, { type: 'start' }, { type: 'timeout', height: 1, round: 0, step: 'propose' })
    expect(() => machine.handle(voteEv('0a', 0, 'prevote', A))).toThrow(SelfEquivocationError)
    // Refused without a trace: the stranger vote is not counted, the state did not move.
    expect(machine.votesAt(0, 'prevote')).toEqual([vote('0a', 0, 'prevote', null)])
    // Its own earlier vote arriving first makes a restarted node refuse to sign a different one.
    const { machine: restarted } = harness()
    restarted.handle(voteEv('0a', 0, 'prevote', A))
    restarted.handle({ type: 'start' })
    expect(() => restarted.handle({ type: 'timeout', height: 1, round: 0, step: 'propose' })).toThrow(
      SelfEquivocationError,
    )
    expect(restarted.state.step).toBe(Step.Propose)
  })

  it('ignores votes of non-members: they never make a quorum', () => {
    const { machine } = harness()
    machine.handle({ type: 'start' })
    feed(
      machine,
      voteEv('ff', 0, 'precommit', A),
      voteEv('ee', 0, 'precommit', A),
      voteEv('0b', 0, 'precommit', A),
      voteEv('0c', 0, 'precommit', A),
    )
    feed(machine, { type: 'blockVerdict', blockHash: A, valid: true })
    expect(machine.decision).toBeUndefined()
    expect(machine.dropped.nonMember).toBe(2)
    feed(machine, voteEv('0d', 0, 'precommit', A))
    expect(machine.decision?.blockHash).toBe(A)
  })

  it('bounds future rounds: proposals beyond the window and votes beyond each voter quota are dropped', () => {
    const { machine } = harness({ maxFutureRounds: 2, powers: [1, 1, 1, 1, 1, 1, 1] })
    machine.handle({ type: 'start' })
    machine.handle({ type: 'proposal', proposal: proposal({ round: 3, proposer: '0e', blockHash: A }) })
    expect(machine.dropped.futureRound).toBe(1)
    machine.handle({ type: 'proposal', proposal: proposal({ round: 2, proposer: '0d', blockHash: A }) })
    expect(machine.dropped.futureRound).toBe(1)
    // One voter cannot open more than two rounds, nor drag us anywhere alone.
    feed(machine, ...[5, 9, 3, 1].map((r) => voteEv('0b', r, 'prevote', null)))
    expect(machine.dropped.futureRound).toBe(3)
    expect(machine.round).toBe(0)
    // Three voters (3/7 > 1/3) in round 9 do.
    feed(machine, voteEv('0c', 9, 'prevote', null), voteEv('0d', 9, 'precommit', null))
    expect(machine.round).toBe(9)
  })

  it('leaves other heights alone and says where they belong', () => {
    const { machine } = harness({ height: 5 })
    machine.handle({ type: 'start' })
    expect(machine.handle(voteEv('0b', 0, 'prevote', A, 6))).toEqual([])
    expect(
      machine.handle({ type: 'proposal', proposal: proposal({ height: 4, proposer: '0b', blockHash: A }) }),
    ).toEqual([])
    expect(machine.dropped.otherHeight).toBe(2)
    expect([machine.relation(4), machine.relation(5), machine.relation(6)]).toEqual(['past', 'current', 'future'])
  })

  it('buffers nothing itself but accepts early messages before start', () => {
    const { machine } = harness()
    feed(machine, voteEv('0b', 0, 'precommit', A), voteEv('0c', 0, 'precommit', A), voteEv('0d', 0, 'precommit', A), {
      type: 'blockVerdict',
      blockHash: A,
      valid: true,
    })
    expect(machine.decision).toBeUndefined()
    expect(ofType(machine.handle({ type: 'start' }), 'commit')).toHaveLength(1)
  })

  it('a non-member follows and commits without voting', () => {
    const committee = committeeOf(1, 1, 1, 1)
    const m = new ConsensusMachine({ committee, self: 'ff', height: 1, timeouts: TIMEOUTS, maxFutureRounds: 2 })
    const out = feed(
      m,
      { type: 'start' },
      { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) },
      { type: 'blockVerdict', blockHash: A, valid: true },
      ...['0a', '0b', '0c'].map((v) => voteEv(v, 0, 'prevote', A)),
      ...['0a', '0b', '0c'].map((v) => voteEv(v, 0, 'precommit', A)),
    )
    expect(ownVotes(out)).toEqual([])
    expect(m.decision?.blockHash).toBe(A)
  })

  it('rejects bad configuration loudly', () => {
    const committee = committeeOf(1)
    expect(
      () => new ConsensusMachine({ committee, self: '0a', height: -1, timeouts: TIMEOUTS, maxFutureRounds: 1 }),
    ).toThrow(RangeError)
    expect(
      () =>
        new ConsensusMachine({
          committee,
          self: '0a',
          height: 1,
          timeouts: { ...TIMEOUTS, delta: Number.NaN },
          maxFutureRounds: 1,
        }),
    ).toThrow(RangeError)
    expect(
      () => new ConsensusMachine({ committee, self: '0a', height: 1, timeouts: TIMEOUTS, maxFutureRounds: 1.5 }),
    ).toThrow(RangeError)
  })

  it('a committee of one decides alone', () => {
    const m = new ConsensusMachine({
      committee: committeeOf(3),
      self: '0a',
      height: 1,
      timeouts: TIMEOUTS,
      maxFutureRounds: 1,
    })
    m.handle({ type: 'start' })
    const out = m.handle({ type: 'proposalValue', blockHash: A })
    expect(ofType(out, 'commit')[0]).toMatchObject({ blockHash: A, certificate: [vote('0a', 0, 'precommit', A)] })
    expect(m.step).toBe(Step.Commit)
  })
})

/** Random inputs from a small alphabet (members 0a..0d and a stranger, rounds 0..3), biased towards A so quorums form. */
const value = fc.constantFrom<string | null>(A, A, A, B, null)
const eventArb: fc.Arbitrary<ConsensusEvent> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        voter: fc.constantFrom('0b', '0c', '0d', '0d', 'ff'),
        round: fc.constantFrom(0, 0, 0, 0, 0, 1, 1, 2, 3),
        step: fc.constantFrom('prevote' as const, 'precommit' as const),
        v: value,
      })
      .map(({ voter, round, step, v }): ConsensusEvent => voteEv(voter, round, step, v)),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        round: fc.constantFrom(0, 0, 0, 1, 2, 3),
        v: fc.constantFrom(A, A, B),
        pol: fc.integer({ min: -1, max: 2 }),
      })
      .map(
        ({ round, v, pol }): ConsensusEvent => ({
          type: 'proposal',
          proposal: proposal({
            round,
            blockHash: v,
            polRound: Math.min(pol, round - 1),
            proposer: ['0b', '0c', '0d', '0a'][round],
          }),
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ round: fc.nat(3), step: fc.constantFrom('propose' as const, 'prevote' as const, 'precommit' as const) })
      .map(({ round, step }): ConsensusEvent => ({ type: 'timeout', height: 1, round, step })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        v: fc.constantFrom(A, B),
        valid: fc.constantFrom(true, true, true, false),
        timely: fc.constantFrom(true, true, false),
      })
      .map(({ v, valid, timely }): ConsensusEvent => ({ type: 'blockVerdict', blockHash: v, valid, timely })),
  },
  { weight: 1, arbitrary: fc.constantFrom(A, B).map((v): ConsensusEvent => ({ type: 'proposalValue', blockHash: v })) },
)

/** A round-0/round-1 story (proposals, verdicts, everyone's votes for A and some for nil, timeouts) to pick from and shuffle. */
const STORY: ConsensusEvent[] = [
  { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) },
  { type: 'proposal', proposal: proposal({ round: 1, proposer: '0c', blockHash: A, polRound: 0 }) },
  { type: 'proposal', proposal: proposal({ round: 1, proposer: '0c', blockHash: B }) },
  { type: 'blockVerdict', blockHash: A, valid: true },
  { type: 'blockVerdict', blockHash: B, valid: true, timely: false },
  ...[0, 1].flatMap((round) =>
    ['0b', '0c', '0d'].flatMap((voter) => [
      voteEv(voter, round, 'prevote', A),
      voteEv(voter, round, 'precommit', A),
      voteEv(voter, round, 'prevote', null),
    ]),
  ),
  voteEv('0d', 1, 'precommit', null),
  ...[0, 1].flatMap((round) =>
    (['propose', 'prevote', 'precommit'] as const).map(
      (step): ConsensusEvent => ({ type: 'timeout', height: 1, round, step }),
    ),
  ),
]
const sequenceArb = fc.array(eventArb, { maxLength: 20 }).chain((noise) => fc.shuffledSubarray([...STORY, ...noise]))

describe('ConsensusMachine: any input sequence', () => {
  it('replays to the same actions, signs one vote per step, and justifies every precommit and commit', () => {
    fc.assert(
      fc.property(sequenceArb, (events) => {
        const run = () => {
          // Enough future rounds that no vote is evicted, so the tally below is the machine's.
          const { machine, committee } = harness({ maxFutureRounds: 4 })
          const log = [machine.handle({ type: 'start' }), ...events.map((e) => machine.handle(e))]
          return { machine, committee, log }
        }
        const { committee, log } = run()
        expect(run().log).toEqual(log)
        const seen = new Map<string, string | null>()
        const prevotePower = new Map<string, number>()
        const countedPrevote = new Set<string>()
        const record = (v: { voter: string; round: number; step: string; blockHash: string | null }) => {
          // Each voter once per value, as the machine counts (a superset of it, past its cap of two values).
          const key = `${v.voter}/${v.round}/${v.blockHash}`
          if (v.step !== 'prevote' || countedPrevote.has(key) || !committee.has(v.voter)) return
          countedPrevote.add(key)
          const k = `${v.round}/${v.blockHash}`
          prevotePower.set(k, (prevotePower.get(k) ?? 0) + committee.power(v.voter))
        }
        for (let i = 0; i < log.length; i++) {
          if (i > 0 && events[i - 1].type === 'vote')
            record((events[i - 1] as Extract<ConsensusEvent, { type: 'vote' }>).vote)
          for (const a of log[i]) {
            if (a.type === 'broadcastVote') {
              const key = `${a.vote.round}/${a.vote.step}`
              expect(seen.has(key)).toBe(false)
              seen.set(key, a.vote.blockHash)
              record(a.vote)
              if (a.vote.step === 'precommit' && a.vote.blockHash !== null) {
                expect(prevotePower.get(`${a.vote.round}/${a.vote.blockHash}`) ?? 0).toBeGreaterThanOrEqual(
                  committee.quorum,
                )
              }
            }
            if (a.type === 'commit') expect(verifyCertificate(committee, 1, a.blockHash, a.certificate)).toBe(true)
          }
        }
      }),
      { numRuns: 400, seed: 7 },
    )
  })
})
