/**
 * Once libp2p gives up re-dialling a keep-alive peer, the node dials it on at a fixed interval
 * until it answers, and stops dialling when the node stops. Fake timers: the intervals are
 * stepped, not waited for.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeepAlivePeers } from '../../../src/p2p/keep-alive.js'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('KeepAlivePeers', () => {
  it('dials a peer libp2p gave up on every interval until a dial succeeds, then no more', async () => {
    const dials: string[] = []
    const peers = new KeepAlivePeers(async (address) => {
      dials.push(address)
      if (dials.length < 3) throw new Error('connection refused')
    }, 1000)
    peers.remember('peer-a', '/ip4/127.0.0.1/tcp/1/p2p/peer-a')
    peers.gaveUp('peer-unknown') // never dialled with keep-alive: nothing to do
    peers.gaveUp('peer-a')
    await vi.advanceTimersByTimeAsync(999)
    expect(dials).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(dials).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(dials).toEqual(Array(3).fill('/ip4/127.0.0.1/tcp/1/p2p/peer-a'))
    peers.stop()
  })

  it('stops dialling when the node stops', async () => {
    let dials = 0
    const peers = new KeepAlivePeers(async () => {
      dials++
      throw new Error('connection refused')
    }, 1000)
    peers.dialUntilUp('/ip4/127.0.0.1/tcp/1/p2p/peer-b')
    await vi.advanceTimersByTimeAsync(2000)
    expect(dials).toBe(2)
    peers.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(dials).toBe(2)
  })
})
