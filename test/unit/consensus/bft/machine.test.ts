import { describe, expect, it } from 'vitest'
import {
  type ConsensusAction,
  type ConsensusEvent,
  type ConsensusMachine,
  Step,
  verifyCertificate,
} from '../../../../src/consensus/bft/index.js'
import { harness, hashOf, ofType, ownVotes, proposal, vote } from './helpers.js'

const A = hashOf('A')
const B = hashOf('B')

/** Feeds events in order and returns all actions. */
function feed(m: ConsensusMachine, ...events: ConsensusEvent[]): ConsensusAction[] {
  return events.flatMap((e) => m.handle(e))
}
const start: ConsensusEvent = { type: 'start' }
const verdict = (blockHash: string, valid = true, timely = true): ConsensusEvent => ({
  type: 'blockVerdict',
  blockHash,
  valid,
  timely,
})
const votes = (voters: string[], round: number, step: 'prevote' | 'precommit', hash: string | null): ConsensusEvent[] =>
  voters.map((v) => ({ type: 'vote', vote: vote(v, round, step, hash) }))
const timeout = (round: number, step: 'propose' | 'prevote' | 'precommit', height = 1): ConsensusEvent => ({
  type: 'timeout',
  height,
  round,
  step,
})

// 4 equal members 0a..0d; at height 1 the proposers of rounds 0..3 are 0b, 0c, 0d, 0a; self is 0a.

describe('ConsensusMachine: propose and prevote (L11-L33, L57)', () => {
  it('a non-proposer schedules the propose timeout and waits', () => {
    const { machine } = harness()
    expect(machine.handle(start)).toEqual([{ type: 'scheduleTimeout', height: 1, round: 0, step: 'propose', ms: 300 }])
    expect(machine.step).toBe(Step.Propose)
  })

  it('the proposer asks the driver for a block, proposes it and prevotes it', () => {
    const { machine } = harness({ self: '0b' })
    expect(ofType(machine.handle(start), 'requestBlock')).toEqual([{ type: 'requestBlock', height: 1, round: 0 }])
    const out = machine.handle({ type: 'proposalValue', blockHash: A, round: 0 })
    expect(ofType(out, 'broadcastProposal')[0].proposal).toEqual(proposal({ proposer: '0b', blockHash: A }))
    expect(ownVotes(out)).toEqual([vote('0b', 0, 'prevote', A)])
    // A second answer is not awaited.
    machine.handle({ type: 'proposalValue', blockHash: B })
    expect(machine.dropped.unexpectedValue).toBe(1)
    // Nor is an answer for another round.
    const late = harness({ self: '0b' })
    late.machine.handle(start)
    expect(late.machine.handle({ type: 'proposalValue', blockHash: A, round: 3 })).toEqual([])
    expect(late.machine.dropped.unexpectedValue).toBe(1)
  })

  it('does not prevote a block before the verdict; prevotes it when valid', () => {
    const { machine } = harness()
    machine.handle(start)
    const out = machine.handle({ type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) })
    expect(out).toEqual([{ type: 'validateBlock', height: 1, blockHash: A }])
    expect(ownVotes(machine.handle(verdict(A)))).toEqual([vote('0a', 0, 'prevote', A)])
  })

  it('prevotes nil for an invalid block and for an untimely fresh one', () => {
    const bad = harness()
    expect(
      ownVotes(
        feed(
          bad.machine,
          start,
          { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) },
          verdict(A, false),
        ),
      ),
    ).toEqual([vote('0a', 0, 'prevote', null)])
    const late = harness()
    expect(
      ownVotes(
        feed(late.machine, start, verdict(A, true, false), {
          type: 'proposal',
          proposal: proposal({ proposer: '0b', blockHash: A }),
        }),
      ),
    ).toEqual([vote('0a', 0, 'prevote', null)])
  })

  it('prevotes nil on the propose timeout; stale and foreign timeouts do nothing', () => {
    const { machine } = harness()
    machine.handle(start)
    expect(machine.handle(timeout(0, 'prevote'))).toEqual([])
    expect(machine.handle(timeout(1, 'propose'))).toEqual([])
    expect(machine.handle(timeout(0, 'propose', 2))).toEqual([])
    expect(ownVotes(machine.handle(timeout(0, 'propose')))).toEqual([vote('0a', 0, 'prevote', null)])
    expect(machine.handle(timeout(0, 'propose'))).toEqual([])
    expect(machine.dropped.staleTimeout).toBe(4)
  })

  it('ignores proposals from the wrong proposer, malformed ones and a second one', () => {
    const { machine } = harness()
    machine.handle(start)
    machine.handle({ type: 'proposal', proposal: proposal({ proposer: '0c', blockHash: A }) })
    machine.handle({ type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A, polRound: 0 }) })
    machine.handle({ type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: 'XYZ' }) })
    expect(machine.dropped.wrongProposer).toBe(1)
    expect(machine.dropped.malformed).toBe(2)
    feed(
      machine,
      { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) },
      { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: B }) },
    )
    expect(machine.dropped.conflicting).toBe(1)
    expect(ownVotes(machine.handle(verdict(A)))).toEqual([vote('0a', 0, 'prevote', A)])
  })
})

describe('ConsensusMachine: precommit, commit and rounds (L34-L56, L61-L65)', () => {
  function prevotedA(): ConsensusMachine {
    const { machine } = harness()
    feed(machine, start, { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) }, verdict(A))
    return machine
  }

  it('a prevote quorum for the proposal locks and precommits it (L36)', () => {
    const machine = prevotedA()
    const out = feed(machine, ...votes(['0b', '0c'], 0, 'prevote', A))
    expect(ownVotes(out)).toEqual([vote('0a', 0, 'precommit', A)])
    expect(machine.state).toMatchObject({
      step: Step.Precommit,
      lockedRound: 0,
      lockedValue: A,
      validRound: 0,
      validValue: A,
    })
  })

  it('a mixed prevote quorum starts the prevote wait; its timeout precommits nil (L34, L61)', () => {
    const machine = prevotedA()
    const out = feed(machine, ...votes(['0b'], 0, 'prevote', B), ...votes(['0c'], 0, 'prevote', null))
    expect(ofType(out, 'scheduleTimeout')).toEqual([
      { type: 'scheduleTimeout', height: 1, round: 0, step: 'prevote', ms: 100 },
    ])
    expect(ownVotes(machine.handle(timeout(0, 'prevote')))).toEqual([vote('0a', 0, 'precommit', null)])
    expect(machine.state.lockedRound).toBe(-1)
  })

  it('a nil prevote quorum precommits nil (L44)', () => {
    const machine = prevotedA()
    expect(ownVotes(feed(machine, ...votes(['0b', '0c', '0d'], 0, 'prevote', null)))).toEqual([
      vote('0a', 0, 'precommit', null),
    ])
  })

  it('a precommit quorum for a valid block commits with a verifiable certificate (L49)', () => {
    const { machine, committee } = harness()
    const out = feed(machine, start, ...votes(['0d', '0b', '0c'], 0, 'precommit', A))
    expect(ofType(out, 'validateBlock')).toHaveLength(1)
    const commit = ofType(machine.handle(verdict(A)), 'commit')[0]
    expect(commit).toMatchObject({ height: 1, round: 0, blockHash: A })
    expect(commit.certificate.map((v) => v.voter)).toEqual(['0b', '0c', '0d'])
    expect(verifyCertificate(committee, 1, A, commit.certificate)).toBe(true)
    expect(machine.step).toBe(Step.Commit)
    expect(machine.handle(timeout(0, 'propose'))).toEqual([])
    expect(machine.dropped.decided).toBe(1)
  })

  it('never commits a block judged invalid', () => {
    const { machine } = harness()
    const out = feed(machine, start, verdict(A, false), ...votes(['0b', '0c', '0d'], 0, 'precommit', A))
    expect(ofType(out, 'commit')).toEqual([])
    expect(machine.decision).toBeUndefined()
  })

  it('a precommit quorum of any values starts the precommit wait; its timeout opens the next round (L47, L65)', () => {
    const machine = prevotedA()
    feed(machine, ...votes(['0b', '0c', '0d'], 0, 'prevote', null))
    const wait = feed(machine, ...votes(['0b'], 0, 'precommit', B), ...votes(['0c'], 0, 'precommit', null))
    expect(ofType(wait, 'scheduleTimeout')).toEqual([
      { type: 'scheduleTimeout', height: 1, round: 0, step: 'precommit', ms: 100 },
    ])
    const next = machine.handle(timeout(0, 'precommit'))
    expect(next).toEqual([{ type: 'scheduleTimeout', height: 1, round: 1, step: 'propose', ms: 350 }])
    expect([machine.round, machine.step]).toEqual([1, Step.Propose])
  })

  it('skips to a higher round on more than 1/3 of power there, not on less (L55)', () => {
    const { machine } = harness()
    machine.handle(start)
    feed(machine, ...votes(['0b'], 2, 'prevote', null))
    expect(machine.round).toBe(0)
    // Same member's precommit adds no power; a second member does.
    feed(machine, ...votes(['0b'], 2, 'precommit', null))
    expect(machine.round).toBe(0)
    feed(machine, ...votes(['0c'], 2, 'precommit', null))
    expect([machine.round, machine.step]).toEqual([2, Step.Propose])
  })

  it('with unequal stakes, one member above 1/3 is enough to skip', () => {
    const { machine } = harness({ powers: [5, 3, 2, 2, 1], self: '0e' })
    machine.handle(start)
    feed(machine, { type: 'vote', vote: vote('0a', 1, 'prevote', null) })
    expect(machine.round).toBe(1)
  })
})

describe('ConsensusMachine: locking across rounds (L22-L33, L36-L43)', () => {
  /** 0a locked on A in round 0, then round 0 timed out into round 1 (proposer 0c). */
  function lockedOnA(): ConsensusMachine {
    const { machine } = harness()
    feed(
      machine,
      start,
      { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) },
      verdict(A),
      ...votes(['0b', '0c'], 0, 'prevote', A),
    )
    feed(machine, ...votes(['0b', '0c'], 0, 'precommit', null), timeout(0, 'precommit'))
    expect(machine.state).toMatchObject({ round: 1, lockedRound: 0, lockedValue: A })
    return machine
  }

  it('a locked node prevotes nil on a fresh proposal of another block', () => {
    const machine = lockedOnA()
    const out = feed(machine, verdict(B), {
      type: 'proposal',
      proposal: proposal({ round: 1, proposer: '0c', blockHash: B }),
    })
    expect(ownVotes(out)).toEqual([vote('0a', 1, 'prevote', null)])
  })

  it('a locked node prevotes its locked block when proposed again', () => {
    const machine = lockedOnA()
    const out = machine.handle({
      type: 'proposal',
      proposal: proposal({ round: 1, proposer: '0c', blockHash: A, polRound: 0 }),
    })
    expect(ownVotes(out)).toEqual([vote('0a', 1, 'prevote', A)])
  })

  it('unlocks for a block with a prevote quorum in a round at or after its lock (polRound ≥ lockedRound)', () => {
    const machine = lockedOnA()
    feed(
      machine,
      timeout(1, 'propose'),
      ...votes(['0b', '0c', '0d'], 1, 'prevote', B),
      ...votes(['0b', '0c', '0d'], 1, 'precommit', null),
      timeout(1, 'precommit'),
    )
    expect(machine.round).toBe(2)
    // Round 2's proposer (0d) re-proposes B under the round-1 quorum: 0a prevotes B despite its lock on A.
    const out = feed(machine, verdict(B), {
      type: 'proposal',
      proposal: proposal({ round: 2, proposer: '0d', blockHash: B, polRound: 1 }),
    })
    expect(ownVotes(out)).toEqual([vote('0a', 2, 'prevote', B)])
  })

  it('waits for the proof of lock a re-proposal claims, and prevotes once it arrives', () => {
    const { machine } = harness()
    feed(
      machine,
      start,
      timeout(0, 'propose'),
      ...votes(['0b', '0c', '0d'], 0, 'precommit', null),
      timeout(0, 'precommit'),
    )
    feed(machine, verdict(B), {
      type: 'proposal',
      proposal: proposal({ round: 1, proposer: '0c', blockHash: B, polRound: 0 }),
    })
    expect(ownVotes(feed(machine, ...votes(['0b', '0c'], 0, 'prevote', B)))).toEqual([])
    expect(ownVotes(feed(machine, ...votes(['0d'], 0, 'prevote', B)))).toEqual([vote('0a', 1, 'prevote', B)])
  })

  it('an old stamp does not stop a re-proposal that carries a proof of lock (timely only gates fresh blocks)', () => {
    const untimelyB: ConsensusEvent = { type: 'blockVerdict', blockHash: B, valid: true, timely: false }
    // Fresh (polRound -1): prevote nil.
    const fresh = harness()
    expect(
      ownVotes(
        feed(fresh.machine, start, untimelyB, {
          type: 'proposal',
          proposal: proposal({ proposer: '0b', blockHash: B }),
        }),
      ),
    ).toEqual([vote('0a', 0, 'prevote', null)])
    // Re-proposed in round 1 under round 0's quorum for B (which 0a missed): prevote B.
    const { machine } = harness()
    feed(
      machine,
      start,
      timeout(0, 'propose'),
      ...votes(['0b', '0c', '0d'], 0, 'prevote', B),
      ...votes(['0b', '0c', '0d'], 0, 'precommit', null),
      timeout(0, 'precommit'),
    )
    const out = feed(machine, untimelyB, {
      type: 'proposal',
      proposal: proposal({ round: 1, proposer: '0c', blockHash: B, polRound: 0 }),
    })
    expect(ownVotes(out)).toEqual([vote('0a', 1, 'prevote', B)])
  })

  it('a proof of lock older than the lock does not unlock', () => {
    // Locked on A in round 1; round 2 re-proposes B with polRound 0.
    const { machine } = harness()
    feed(
      machine,
      start,
      timeout(0, 'propose'),
      ...votes(['0b', '0c', '0d'], 0, 'prevote', B),
      ...votes(['0b', '0c', '0d'], 0, 'precommit', null),
      timeout(0, 'precommit'),
    )
    feed(
      machine,
      verdict(A),
      { type: 'proposal', proposal: proposal({ round: 1, proposer: '0c', blockHash: A }) },
      ...votes(['0b', '0c'], 1, 'prevote', A),
    )
    expect(machine.state).toMatchObject({ lockedRound: 1, lockedValue: A })
    feed(machine, ...votes(['0b', '0c'], 1, 'precommit', null), timeout(1, 'precommit'))
    const out = feed(machine, verdict(B), {
      type: 'proposal',
      proposal: proposal({ round: 2, proposer: '0d', blockHash: B, polRound: 0 }),
    })
    expect(ownVotes(out)).toEqual([vote('0a', 2, 'prevote', null)])
  })

  it('learns validValue after precommitting nil, and re-proposes it with its polRound as proposer', () => {
    // 7 equal members (quorum 5); self 0c proposes round 1; ids 0a..0f, 10.
    const { machine } = harness({ powers: [1, 1, 1, 1, 1, 1, 1], self: '0c' })
    feed(machine, start, { type: 'proposal', proposal: proposal({ proposer: '0b', blockHash: A }) }, verdict(A))
    feed(
      machine,
      ...votes(['0a', '0d'], 0, 'prevote', null),
      ...votes(['0e', '0f'], 0, 'prevote', A),
      timeout(0, 'prevote'),
    )
    expect(machine.state).toMatchObject({ step: Step.Precommit, lockedRound: -1, validRound: -1 })
    // The quorum for A completes after 0c precommitted nil: validValue, but no lock (L36 at step precommit).
    feed(machine, ...votes(['0b', '10'], 0, 'prevote', A))
    expect(machine.state).toMatchObject({ lockedRound: -1, lockedValue: null, validRound: 0, validValue: A })
    const out = feed(machine, ...votes(['0a', '0b', '0d', '0e'], 0, 'precommit', null), timeout(0, 'precommit'))
    expect(ofType(out, 'requestBlock')).toEqual([])
    expect(ofType(out, 'broadcastProposal')[0].proposal).toEqual(
      proposal({ round: 1, proposer: '0c', blockHash: A, polRound: 0 }),
    )
    expect(ownVotes(out)).toEqual([vote('0c', 1, 'prevote', A)])
  })
})
