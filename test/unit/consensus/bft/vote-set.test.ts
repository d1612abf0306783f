import { describe, expect, it } from 'vitest'
import { HeightVotes } from '../../../../src/consensus/bft/index.js'
import { committeeOf, hashOf, vote } from './helpers.js'

const A = hashOf('A')
const B = hashOf('B')

describe('HeightVotes', () => {
  it('tallies by power: 5+3 of 13 is not a quorum, 5+3+1 is', () => {
    const c = committeeOf(5, 3, 2, 2, 1)
    const hv = new HeightVotes(c, 2)
    hv.add(vote('0a', 0, 'prevote', A), 0)
    hv.add(vote('0b', 0, 'prevote', A), 0)
    const set = hv.set(0, 'prevote')!
    expect(set.powerFor(A)).toBe(8)
    expect(set.hasQuorumFor(A)).toBe(false)
    hv.add(vote('0e', 0, 'prevote', A), 0)
    expect(set.hasQuorumFor(A)).toBe(true)
    expect(set.quorumBlock()).toBe(A)
  })

  it('counts any-value quorums across values and keeps nil apart from hashes', () => {
    const hv = new HeightVotes(committeeOf(1, 1, 1, 1), 2)
    hv.add(vote('0a', 0, 'prevote', A), 0)
    hv.add(vote('0b', 0, 'prevote', null), 0)
    hv.add(vote('0c', 0, 'prevote', B), 0)
    const set = hv.set(0, 'prevote')!
    expect(set.hasQuorumAny()).toBe(true)
    expect([set.powerFor(A), set.powerFor(null), set.powerFor(B)]).toEqual([1, 1, 1])
    expect(set.quorumBlock()).toBeUndefined()
  })

  it('ignores duplicates and non-members; counts a conflicting vote once per value and once in total', () => {
    const hv = new HeightVotes(committeeOf(1, 1, 1, 1), 2)
    expect(hv.add(vote('0a', 0, 'prevote', A), 0).kind).toBe('added')
    expect(hv.add(vote('0a', 0, 'prevote', A), 0).kind).toBe('duplicate')
    expect(hv.add(vote('ff', 0, 'prevote', A), 0).kind).toBe('nonMember')
    const conflict = hv.add(vote('0a', 0, 'prevote', B), 0)
    expect(conflict).toEqual({ kind: 'conflicting', existing: vote('0a', 0, 'prevote', A) })
    expect(hv.add(vote('0a', 0, 'prevote', B), 0).kind).toBe('duplicate')
    const set = hv.set(0, 'prevote')!
    expect([set.powerFor(A), set.powerFor(B), set.powerAny()]).toEqual([1, 1, 1])
    // A third value nobody else voted is still a conflict but not stored or counted: memory stays bounded.
    expect(hv.add(vote('0a', 0, 'prevote', null), 0).kind).toBe('conflicting')
    expect([set.powerFor(null), set.powerAny(), set.of('0a').length]).toEqual([0, 1, 2])
    // Once another member voted it, it counts (a proof of lock may rest on it).
    hv.add(vote('0b', 0, 'prevote', null), 0)
    expect(hv.add(vote('0a', 0, 'prevote', null), 0).kind).toBe('conflicting')
    expect([set.powerFor(null), set.powerAny(), set.of('0a').length]).toEqual([2, 2, 3])
    // Same voter, other step: a different slot, not a conflict.
    expect(hv.add(vote('0a', 0, 'precommit', B), 0).kind).toBe('added')
  })

  it('evicting a voter from a future round removes every value it had there', () => {
    const hv = new HeightVotes(committeeOf(1, 1, 1, 1), 1)
    hv.add(vote('0a', 2, 'prevote', A), 0)
    hv.add(vote('0b', 2, 'prevote', A), 0)
    hv.add(vote('0a', 2, 'prevote', B), 0)
    hv.add(vote('0a', 3, 'prevote', null), 0)
    const set = hv.set(2, 'prevote')!
    expect([set.powerFor(A), set.powerFor(B), set.powerAny()]).toEqual([1, 0, 1])
  })

  it('counts a member once per round across prevote and precommit', () => {
    const hv = new HeightVotes(committeeOf(3, 1, 1), 2)
    hv.add(vote('0a', 1, 'prevote', A), 1)
    hv.add(vote('0a', 1, 'precommit', A), 1)
    hv.add(vote('0b', 1, 'precommit', null), 1)
    expect(hv.powerInRound(1)).toBe(4)
  })

  it('lets each voter occupy at most maxFutureRounds future rounds, keeping the highest', () => {
    const hv = new HeightVotes(committeeOf(1, 1, 1, 1), 2)
    expect(hv.add(vote('0a', 3, 'prevote', null), 0).kind).toBe('added')
    expect(hv.add(vote('0a', 5, 'prevote', null), 0).kind).toBe('added')
    // A third, lower future round would be stale news: dropped.
    expect(hv.add(vote('0a', 2, 'prevote', null), 0).kind).toBe('futureRound')
    // A higher one evicts the voter's lowest future round (3), which held only its vote.
    expect(hv.add(vote('0a', 9, 'prevote', null), 0).kind).toBe('added')
    expect(hv.roundNumbers()).toEqual([5, 9])
    // Another voter has its own quota.
    expect(hv.add(vote('0b', 2, 'precommit', null), 0).kind).toBe('added')
    // Rounds at or below the current one never count against the quota.
    expect(hv.add(vote('0a', 0, 'prevote', null), 0).kind).toBe('added')
    // Once the node reaches round 5, that round is no longer future and the quota frees up.
    expect(hv.add(vote('0a', 7, 'prevote', null), 5).kind).toBe('added')
    expect(hv.powerInRound(7)).toBe(1)
  })

  it('maxFutureRounds 0 accepts nothing ahead of the current round', () => {
    const hv = new HeightVotes(committeeOf(1, 1, 1, 1), 0)
    expect(hv.add(vote('0a', 1, 'prevote', null), 0).kind).toBe('futureRound')
    expect(hv.add(vote('0a', 1, 'prevote', null), 1).kind).toBe('added')
  })

  it('orders certificate votes by voter id whatever the arrival order', () => {
    const hv = new HeightVotes(committeeOf(1, 1, 1, 1), 2)
    for (const id of ['0d', '0b', '0a']) hv.add(vote(id, 0, 'precommit', A), 0)
    expect(
      hv
        .set(0, 'precommit')!
        .votesFor(A)
        .map((v) => v.voter),
    ).toEqual(['0a', '0b', '0d'])
  })
})
