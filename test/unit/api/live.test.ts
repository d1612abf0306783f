/**
 * The live hub is bounded: a cap on clients, and a client that does not read is dropped once
 * its buffer passes the cap, while the others go on receiving. Fake sinks stand in for HTTP
 * responses (a socket's kernel buffers would hide a slow reader for megabytes).
 */
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { LiveHub, type LiveSink } from '../../../src/api/live.js'

/** A response that buffers what it is given; `reading` sinks send it at once. */
class FakeSink extends EventEmitter implements LiveSink {
  readonly received: string[] = []
  writableLength = 0
  destroyed = false
  constructor(private readonly reading: boolean) {
    super()
  }
  write(chunk: string): boolean {
    if (this.reading) this.received.push(chunk)
    else this.writableLength += Buffer.byteLength(chunk)
    return this.reading
  }
  destroy(): void {
    this.destroyed = true
    this.emit('close')
  }
}

const hubs: LiveHub[] = []
afterEach(() => {
  for (const h of hubs.splice(0)) h.close()
})
const hub = (o: ConstructorParameters<typeof LiveHub>[0]): LiveHub => {
  const h = new LiveHub(o)
  hubs.push(h)
  return h
}

describe('LiveHub', () => {
  it('sends each event to every client as server-sent events', () => {
    const h = hub({})
    const [a, b] = [new FakeSink(true), new FakeSink(true)]
    expect(h.add(a)).toBe(true)
    expect(h.add(b)).toBe(true)
    h.publish('block', { height: 7 }, 7)
    expect(a.received).toEqual(['retry: 5000\n\n', 'id: 7\nevent: block\ndata: {"height":7}\n\n'])
    expect(b.received).toEqual(a.received)
    // A client that goes away is forgotten.
    a.destroy()
    h.publish('block', { height: 8 })
    expect(a.received).toHaveLength(2)
    expect(b.received.at(-1)).toBe('event: block\ndata: {"height":8}\n\n')
    expect(h.stats.clients).toBe(1)
  })

  it('turns clients away past the cap', () => {
    const h = hub({ maxClients: 2 })
    expect(h.add(new FakeSink(true))).toBe(true)
    expect(h.add(new FakeSink(true))).toBe(true)
    const third = new FakeSink(true)
    expect(h.add(third)).toBe(false)
    expect(third.received).toEqual([])
    expect(h.stats).toMatchObject({ clients: 2, refused: 1 })
  })

  it('drops a client that does not read, and the others go on', () => {
    const h = hub({ maxBufferedBytes: 1000 })
    const [slow, fast] = [new FakeSink(false), new FakeSink(true)]
    h.add(slow)
    h.add(fast)
    for (let i = 0; i < 50; i++) h.publish('block', { height: i, pad: 'x'.repeat(40) })
    expect(slow.destroyed).toBe(true)
    expect(slow.writableLength).toBeLessThan(1100)
    expect(fast.received).toHaveLength(51)
    expect(h.stats).toMatchObject({ clients: 1, dropped: 1 })
  })

  it('close ends every stream and takes no more', () => {
    const h = hub({})
    const a = new FakeSink(true)
    h.add(a)
    h.close()
    expect(a.destroyed).toBe(true)
    expect(h.add(new FakeSink(true))).toBe(false)
  })
})
