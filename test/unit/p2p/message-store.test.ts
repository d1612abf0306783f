import { describe, expect, it } from 'vitest'
import { MESSAGE_STORE_MAX_BYTES, MessageStore } from '../../../src/p2p/message-store.js'

const id = (n: number): Uint8Array => new Uint8Array(32).fill(n)

describe('MessageStore', () => {
  it('drops the oldest envelopes past its count', () => {
    const store = new MessageStore(2)
    for (const n of [1, 2, 3]) store.put(id(n), new Uint8Array([n]))
    expect(store.size).toBe(2)
    expect(store.get(id(1))).toBeUndefined()
    expect(store.get(id(3))).toEqual(new Uint8Array([3]))
  })

  it('drops the oldest envelopes past its bytes, and never holds one larger than them all', () => {
    const store = new MessageStore(100, 1000)
    for (const n of [1, 2, 3]) store.put(id(n), new Uint8Array(400).fill(n))
    expect(store.size).toBe(2)
    expect(store.bytes).toBe(800)
    expect(store.get(id(1))).toBeUndefined()
    store.put(id(4), new Uint8Array(1001))
    expect(store.get(id(4))).toBeUndefined()
    expect(store.bytes).toBe(800)
    expect(MESSAGE_STORE_MAX_BYTES).toBeGreaterThanOrEqual(8 * 2 * 1024 * 1024) // 8 of the largest blocks
  })

  it('copies a view into a larger buffer, so a kept message does not keep its frame alive', () => {
    const frame = new Uint8Array(64 * 1024).fill(7)
    const store = new MessageStore()
    store.put(id(1), frame.subarray(100, 200))
    store.put(id(2), Buffer.from(frame.subarray(0, 10))) // a Buffer from the pool: a view too
    const whole = new Uint8Array(50).fill(9)
    store.put(id(3), whole)
    expect(store.get(id(1))?.buffer.byteLength).toBe(100)
    expect(store.get(id(1))).toEqual(new Uint8Array(100).fill(7))
    expect(store.get(id(2))?.buffer.byteLength).toBe(10)
    expect(store.get(id(3))).toBe(whole)
    expect(store.bytes).toBe(160)
  })
})
