/**
 * Frame faults on a gossip stream, fed length-prefixed RPCs cut into arbitrary chunks: what
 * comes out is whole frames, dropped, doubled or swapped as the link's fates say, and
 * exactly the input when no fault is set.
 */
import * as lp from 'it-length-prefixed'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import type { LinkConditions } from '../../../../src/p2p/index.js'
import { carriesSubscriptions, faultyFrames, REORDER_HOLD_MS } from '../../../../src/p2p/faults/gossip-frames.js'
import { PeerLink } from '../../../../src/p2p/faults/link.js'
import type { FaultStatKey } from '../../../../src/p2p/faults/stats.js'
import { Counters } from '../../../../src/util/counters.js'

const PEER = '12D3KooWD79ZUi6UNohAfq4X4oEGJEmbZgwn6rTuMLGWmeaSt3ym'

/** A gossipsub RPC with one length-delimited field (1 subscriptions, 2 messages, 3 control). */
function rpc(field: 1 | 2 | 3, body: number): Uint8Array {
  return Uint8Array.from([(field << 3) | 2, 3, body, body, body])
}

/** The frames as one byte string cut into chunks of 7 bytes, unrelated to frame borders. */
async function* chunked(payloads: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  const all = new Uint8ArrayList(...payloads.map((p) => lp.encode.single(p))).subarray()
  for (let at = 0; at < all.length; at += 7) yield all.subarray(at, at + 7)
}

async function run(payloads: readonly Uint8Array[], conditions: LinkConditions, seed = 1) {
  const counters = new Counters<FaultStatKey>()
  const link = new PeerLink(
    PEER,
    seed,
    () => conditions,
    () => false,
  )
  const out = new Uint8ArrayList()
  for await (const chunk of faultyFrames(chunked(payloads), link, counters)) out.append(chunk)
  const frames: number[] = []
  for await (const frame of lp.decode([out])) frames.push(frame.get(2))
  return { bytes: out.subarray(), frames, counters }
}

const messages = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => rpc(2, i))

describe('faultyFrames', () => {
  it('without faults passes the byte stream unchanged', async () => {
    const input = [rpc(1, 0), ...messages(5), rpc(3, 9)]
    const { bytes, counters } = await run(input, {})
    const expected = new Uint8ArrayList(...input.map((p) => lp.encode.single(p))).subarray()
    expect(bytes).toEqual(expected)
    expect(counters.get('framesSeen')).toBe(7)
    expect(counters.get('framesDropped')).toBe(0)
  })

  it('loss drops whole frames but spares those that carry subscriptions', async () => {
    const { frames, counters } = await run([rpc(1, 100), ...messages(4), rpc(3, 101)], { loss: 1 })
    expect(frames).toEqual([100])
    expect(counters.get('framesDropped')).toBe(5)
    expect(counters.get('framesSpared')).toBe(1)
  })

  it('duplication sends a frame twice in a row', async () => {
    const { frames, counters } = await run(messages(3), { duplicate: 1 })
    expect(frames).toEqual([0, 0, 1, 1, 2, 2])
    expect(counters.get('framesDuplicated')).toBe(3)
  })

  it('reordering holds a frame back behind the next one', async () => {
    const { frames, counters } = await run(messages(5), { reorder: 1 })
    // 0 is held and overtaken by 1; 2 likewise by 3; 4 has nothing after it and goes last.
    expect(frames).toEqual([1, 0, 3, 2, 4])
    expect(counters.get('framesReordered')).toBe(2)
  })

  it('a held frame goes out alone when no frame follows in time', async () => {
    let release: () => void = () => {}
    const more = new Promise<void>((resolve) => {
      release = resolve
    })
    async function* source(): AsyncGenerator<Uint8Array> {
      yield lp.encode.single(rpc(2, 1)).subarray()
      await more
    }
    const link = new PeerLink(
      PEER,
      1,
      () => ({ reorder: 1 }),
      () => false,
    )
    const counters = new Counters<FaultStatKey>()
    const frames = faultyFrames(source(), link, counters)
    const start = performance.now()
    const first = await frames.next()
    expect(performance.now() - start).toBeGreaterThanOrEqual(REORDER_HOLD_MS - 1)
    expect(first.done).toBe(false)
    expect(counters.get('framesReordered')).toBe(0)
    release()
    expect((await frames.next()).done).toBe(true)
  })

  it('the same seed drops the same frames; another seed drops others', async () => {
    const input = messages(100)
    const a = await run(input, { loss: 0.3, duplicate: 0.1, reorder: 0.1 }, 5)
    const b = await run(input, { loss: 0.3, duplicate: 0.1, reorder: 0.1 }, 5)
    const c = await run(input, { loss: 0.3, duplicate: 0.1, reorder: 0.1 }, 6)
    expect(b.frames).toEqual(a.frames)
    expect(c.frames).not.toEqual(a.frames)
    expect(a.counters.get('framesDropped')).toBeGreaterThan(0)
    expect(a.counters.get('framesDropped')).toBe(100 - new Set(a.frames).size)
  })
})

describe('carriesSubscriptions', () => {
  it('finds field 1 of an RPC among the others', () => {
    expect(carriesSubscriptions(rpc(1, 0))).toBe(true)
    expect(carriesSubscriptions(Uint8Array.from([...rpc(2, 0), ...rpc(3, 0), ...rpc(1, 0)]))).toBe(true)
    expect(carriesSubscriptions(Uint8Array.from([...rpc(2, 0), ...rpc(3, 0)]))).toBe(false)
    expect(carriesSubscriptions(new Uint8Array(0))).toBe(false)
  })

  it('counts what does not parse as carrying them (it is never dropped)', () => {
    expect(carriesSubscriptions(Uint8Array.from([0x12, 9, 1]))).toBe(true)
    expect(carriesSubscriptions(Uint8Array.from([0x13]))).toBe(true)
  })
})
