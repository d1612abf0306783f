/**
 * The ignore budget of a relaying peer (ignore-budget.ts) on a manual clock: honest rates are
 * never charged, every ignored message beyond the budget costs a penalty, a flood that goes on
 * is disconnected, and the state per peer stays bounded.
 */
import { describe, expect, it } from 'vitest'
import { IgnoreBudget, ignoreBudgetSettings, NODE_DEFAULTS, type IgnoreBudgetOptions } from '../../../src/p2p/index.js'
import { mulberry32 } from '../../utils/prng.js'

class Harness {
  nowMs = 1_000_000
  readonly penalties: [string, number][] = []
  readonly disconnects: string[] = []
  readonly budget: IgnoreBudget

  constructor(options: IgnoreBudgetOptions = {}) {
    this.budget = new IgnoreBudget(
      {
        penalize: (peer, amount) => this.penalties.push([peer, amount]),
        disconnect: (peer) => this.disconnects.push(peer),
      },
      options,
      () => this.nowMs,
    )
  }

  /** `count` ignored messages from `peer`, spread evenly over `ms`. */
  relay(peer: string, count: number, ms = 0): void {
    for (let i = 0; i < count; i++) {
      this.budget.charge(peer, 'epoch-too-old')
      this.nowMs += ms / count
    }
  }

  penaltiesOf(peer: string): number {
    return this.penalties.filter(([p]) => p === peer).length
  }
}

describe('IgnoreBudget', () => {
  it('has the documented defaults', () => {
    expect(ignoreBudgetSettings()).toEqual({
      ratePerSecond: 100,
      burst: 500,
      penalty: 1,
      disconnectAfter: 1000,
      maxPeers: 1024,
    })
    expect(NODE_DEFAULTS.ignoreRatePerSecond).toBe(100)
  })

  it('never charges a peer that stays within the rate, whatever its bursts', () => {
    const h = new Harness()
    const random = mulberry32(7)
    // Ten minutes of an honest peer: bursts of up to 150 ignored messages at random moments,
    // 90 a second on average (the budget: 500 at once, 100 a second).
    for (let second = 0; second < 600; second++) {
      const burst = Math.floor(random() * 150)
      h.relay('honest', burst, 0)
      h.nowMs += 1000 * (burst / 90)
    }
    h.relay('late', 500) // a burst the size of the bucket, at once
    expect(h.penalties).toEqual([])
    expect(h.budget.counters.snapshot()).toEqual({})
  })

  it('charges every ignored message beyond the budget one penalty', () => {
    const h = new Harness({ burst: 50, ratePerSecond: 10, penalty: 2 })
    h.relay('flooder', 50)
    expect(h.penalties).toEqual([])
    h.relay('flooder', 30)
    expect(h.penalties).toEqual(Array.from({ length: 30 }, () => ['flooder', 2]))
    expect(h.budget.excessOf('flooder')).toBe(30)
    // A second refills ten: ten more are free, the next is charged.
    h.nowMs += 1000
    h.relay('flooder', 11)
    expect(h.penaltiesOf('flooder')).toBe(31)
    expect(h.budget.counters.get('over-budget')).toBe(31)
    // Another peer has a budget of its own.
    h.relay('other', 50)
    expect(h.penaltiesOf('other')).toBe(0)
  })

  it('forgives the excess once the budget is full again', () => {
    const h = new Harness({ burst: 50, ratePerSecond: 10, disconnectAfter: 100 })
    h.relay('peer', 80)
    expect(h.budget.excessOf('peer')).toBe(30)
    h.nowMs += 4900 // 49 of 50 back: not yet full
    expect(h.budget.excessOf('peer')).toBe(30)
    h.nowMs += 100
    expect(h.budget.excessOf('peer')).toBe(0)
    // The count starts over: 99 beyond the budget are not 100.
    h.relay('peer', 50 + 99)
    expect(h.disconnects).toEqual([])
  })

  it('does not charge our own failures', () => {
    const h = new Harness({ burst: 1 })
    for (let i = 0; i < 10; i++) h.budget.charge('peer', 'internal-error')
    expect(h.budget.excessOf('peer')).toBe(0)
    h.budget.charge('peer', 'unknown-account')
    h.budget.charge('peer', 'not-registered')
    expect(h.penalties).toEqual([['peer', 1]])
  })

  it('disconnects a flood that goes on, once a second, and at once when it comes back', () => {
    const h = new Harness({ burst: 100, ratePerSecond: 1, disconnectAfter: 200 })
    h.relay('flooder', 100 + 199, 100)
    expect(h.disconnects).toEqual([])
    h.relay('flooder', 1)
    expect(h.disconnects).toEqual(['flooder'])
    // What the closing connection still delivers does not hang up again within the second...
    h.relay('flooder', 5, 500)
    expect(h.disconnects).toEqual(['flooder'])
    // ...after it, a message beyond the budget does.
    h.relay('flooder', 6, 1200)
    expect(h.disconnects).toEqual(['flooder', 'flooder'])
    // Back after its budget refilled: the budget again, and nothing beyond it.
    h.nowMs += 200_000
    h.relay('flooder', 100)
    expect(h.disconnects.length).toBe(2)
    h.relay('flooder', 1)
    expect(h.disconnects.length).toBe(3)
    expect(h.budget.counters.get('disconnected')).toBe(3)
  })

  it('never disconnects with disconnectAfter 0, and only counts with penalty 0', () => {
    const h = new Harness({ burst: 1, disconnectAfter: 0, penalty: 0 })
    h.relay('flooder', 10_000)
    expect(h.disconnects).toEqual([])
    expect(h.penalties).toEqual([])
    expect(h.budget.counters.get('over-budget')).toBe(9_999)
  })

  it('holds at most maxPeers peers, forgetting the least recently charged', () => {
    const h = new Harness({ burst: 2, maxPeers: 3 })
    h.relay('a', 3)
    h.relay('b', 3)
    h.relay('c', 3)
    h.relay('a', 1) // a is now the most recent
    h.relay('d', 1) // b goes
    expect(h.budget.trackedPeers).toBe(3)
    expect(h.budget.excessOf('b')).toBe(0)
    expect(h.budget.excessOf('a')).toBe(2)
    expect(h.budget.excessOf('c')).toBe(1)
    for (let i = 0; i < 1000; i++) h.relay(`sybil-${i}`, 1)
    expect(h.budget.trackedPeers).toBe(3)
  })

  it('refills nothing when the clock steps back', () => {
    const h = new Harness({ burst: 10, ratePerSecond: 10 })
    h.relay('peer', 10)
    h.nowMs -= 60_000
    h.relay('peer', 1)
    expect(h.penalties.length).toBe(1)
  })

  it('refuses options that make no budget, naming them', () => {
    expect(() => ignoreBudgetSettings({ ratePerSecond: 0 })).toThrow(
      'ignoreBudget.ratePerSecond must be a finite number > 0, got 0',
    )
    expect(() => ignoreBudgetSettings({ burst: 0.5 })).toThrow('ignoreBudget.burst must be a finite number >= 1')
    expect(() => ignoreBudgetSettings({ penalty: Number.NaN })).toThrow('ignoreBudget.penalty')
    expect(() => ignoreBudgetSettings({ disconnectAfter: 1.5 })).toThrow(
      'ignoreBudget.disconnectAfter must be an integer',
    )
    expect(() => ignoreBudgetSettings({ maxPeers: 0 })).toThrow('ignoreBudget.maxPeers must be an integer >= 1, got 0')
    expect(() => new Harness({ ratePerSecond: -1 })).toThrow(RangeError)
  })
})
