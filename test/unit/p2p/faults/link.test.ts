/**
 * A link's decisions: seeded (same seed and peer, same decisions; another seed or peer,
 * others), independent of the other probabilities, and the timing rules of latency, jitter
 * and the bandwidth cap.
 */
import { describe, expect, it } from 'vitest'
import type { LinkConditions } from '../../../../src/p2p/index.js'
import { PeerLink } from '../../../../src/p2p/faults/link.js'

const PEER = '12D3KooWD79ZUi6UNohAfq4X4oEGJEmbZgwn6rTuMLGWmeaSt3ym'
const OTHER = '12D3KooWJG1XKenCAzYy1AdFgQoUQnWtRuXGRnPHMgVQvLgZHmGS'

function link(seed: number, conditions: LinkConditions, peer = PEER): PeerLink {
  return new PeerLink(
    peer,
    seed,
    () => conditions,
    () => false,
  )
}

function drops(l: PeerLink, frames: number): boolean[] {
  return Array.from({ length: frames }, () => l.nextFrameFate().drop)
}

describe('PeerLink', () => {
  it('the same seed and peer give the same drop decisions; another seed or peer gives others', () => {
    const conditions = { loss: 0.3 }
    const first = drops(link(42, conditions), 200)
    expect(drops(link(42, conditions), 200)).toEqual(first)
    expect(drops(link(43, conditions), 200)).not.toEqual(first)
    expect(drops(link(42, conditions, OTHER), 200)).not.toEqual(first)
    // About the probability asked for (200 draws: 60 expected, far from 0 and 200).
    const dropped = first.filter(Boolean).length
    expect(dropped).toBeGreaterThan(30)
    expect(dropped).toBeLessThan(90)
  })

  it('drop decisions do not change when duplication or reordering is turned on', () => {
    const lossOnly = drops(link(9, { loss: 0.2 }), 100)
    expect(drops(link(9, { loss: 0.2, duplicate: 0.5, reorder: 0.5 }), 100)).toEqual(lossOnly)
  })

  it('certain and impossible fates are exactly that', () => {
    const all = link(1, { loss: 1, duplicate: 1, reorder: 1 })
    const none = link(1, {})
    for (let i = 0; i < 50; i++) {
      expect(all.nextFrameFate()).toEqual({ drop: true, duplicate: true, reorder: true })
      expect(none.nextFrameFate()).toEqual({ drop: false, duplicate: false, reorder: false })
    }
  })

  it('latency adds to every chunk; jitter stays within ± its bound', () => {
    expect(link(1, { latencyMs: 40 }).releaseAt(100, 1000)).toBe(1040)
    const l = link(1, { latencyMs: 40, jitterMs: 10 })
    const delays = Array.from({ length: 500 }, () => l.releaseAt(100, 1000) - 1000)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30)
    expect(Math.max(...delays)).toBeLessThanOrEqual(50)
    expect(new Set(delays).size).toBeGreaterThan(100)
    // Jitter larger than the latency never makes a negative delay.
    const wide = link(1, { latencyMs: 5, jitterMs: 50 })
    for (let i = 0; i < 100; i++) expect(wide.releaseAt(1, 0)).toBeGreaterThanOrEqual(0)
  })

  it('the bandwidth cap queues chunks behind each other, then latency applies', () => {
    const l = link(1, { bandwidthBytesPerSec: 1000, latencyMs: 10 })
    // 500 bytes take 500 ms; the next 500, handed over at the same time, wait for them.
    expect(l.releaseAt(500, 0)).toBe(510)
    expect(l.releaseAt(500, 0)).toBe(1010)
    // An idle link starts afresh.
    expect(l.releaseAt(100, 5000)).toBe(5110)
  })

  it('shapes bytes only while latency, jitter or a cap is set', () => {
    expect(link(1, { loss: 0.5 }).shapesBytes()).toBe(false)
    expect(link(1, { jitterMs: 1 }).shapesBytes()).toBe(true)
    expect(link(1, { bandwidthBytesPerSec: 10 }).shapesBytes()).toBe(true)
  })
})
