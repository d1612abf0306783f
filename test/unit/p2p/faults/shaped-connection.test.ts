/**
 * A raw connection under latency, jitter and a bandwidth cap, over a recording inner
 * connection: bytes keep their order whatever the jitter, no chunk leaves before its delay,
 * a cut link sends nothing, and a graceful close writes what is queued first.
 */
import type { Logger, MultiaddrConnection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import type { LinkConditions } from '../../../../src/p2p/index.js'
import { PeerLink } from '../../../../src/p2p/faults/link.js'
import { ShapedConnection } from '../../../../src/p2p/faults/shaped-connection.js'
import type { FaultStatKey } from '../../../../src/p2p/faults/stats.js'
import { Counters } from '../../../../src/util/counters.js'

const PEER = '12D3KooWD79ZUi6UNohAfq4X4oEGJEmbZgwn6rTuMLGWmeaSt3ym'

interface Written {
  readonly bytes: Uint8Array
  readonly at: number
}

/** An inner connection that records what reaches its sink, when, and the calls made on it. */
function recordingConnection() {
  const written: Written[] = []
  const calls: string[] = []
  const inner: MultiaddrConnection = {
    source: (async function* () {})(),
    async sink(source) {
      for await (const chunk of source) {
        written.push({
          bytes: chunk instanceof Uint8Array ? chunk : (chunk as Uint8ArrayList).subarray(),
          at: performance.now(),
        })
      }
      calls.push('sink-ended')
    },
    async close() {
      calls.push(`close after ${written.length} written`)
    },
    abort() {
      calls.push('abort')
    },
    remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001'),
    timeline: { open: Date.now() },
    // Never called by the code under test; a Logger is a callable with methods.
    log: (() => {}) as unknown as Logger,
  }
  return { inner, written, calls }
}

function shaped(conditions: { current: LinkConditions }, cut = { current: false }) {
  const { inner, written, calls } = recordingConnection()
  const counters = new Counters<FaultStatKey>()
  const conn = new ShapedConnection(inner, counters, () => {})
  conn.link = new PeerLink(
    PEER,
    3,
    () => conditions.current,
    () => cut.current,
  )
  return { conn, inner, written, calls, counters }
}

/** Chunks numbered by their first byte, written at once. */
async function* numbered(n: number, size = 10): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array(size).fill(i)
}

describe('ShapedConnection', () => {
  it('jitter delays each chunk by latency ± jitter but never reorders bytes', async () => {
    const { conn, written, counters } = shaped({ current: { latencyMs: 30, jitterMs: 25 } })
    const start = performance.now()
    await conn.maConn.sink(numbered(40))
    expect(written.map((w) => w.bytes[0])).toEqual(Array.from({ length: 40 }, (_, i) => i))
    // Every chunk was written at `start`; none may arrive before the smallest delay.
    expect(Math.min(...written.map((w) => w.at - start))).toBeGreaterThanOrEqual(5 - 1)
    expect(counters.get('chunksDelayed')).toBe(40)
  })

  it('latency holds every chunk for at least its value', async () => {
    const { conn, written } = shaped({ current: { latencyMs: 80 } })
    const start = performance.now()
    await conn.maConn.sink(numbered(3))
    expect(written).toHaveLength(3)
    expect(written[0].at - start).toBeGreaterThanOrEqual(80 - 1)
  })

  it('a bandwidth cap paces a large write at the cap, in slices', async () => {
    const { conn, written } = shaped({ current: { bandwidthBytesPerSec: 400_000 } })
    const start = performance.now()
    await conn.maConn.sink(numbered(2, 60_000))
    // 120 kB at 400 kB/s: 300 ms at least.
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 1)
    expect(written.reduce((n, w) => n + w.bytes.length, 0)).toBe(120_000)
    expect(written.length).toBeGreaterThan(2)
  })

  it('passes chunks straight through without conditions', async () => {
    const { conn, written, counters } = shaped({ current: { loss: 1 } })
    await conn.maConn.sink(numbered(5))
    expect(written.map((w) => w.bytes[0])).toEqual([0, 1, 2, 3, 4])
    expect(counters.get('chunksDelayed')).toBe(0)
  })

  it('sends nothing on a cut link, not even what was queued before the cut', async () => {
    const cut = { current: false }
    const { conn, written } = shaped({ current: { latencyMs: 50 } }, cut)
    const done = conn.maConn.sink(numbered(3))
    // The chunks are read into the queue at once; the cut comes while they wait.
    await new Promise((resolve) => setImmediate(resolve))
    cut.current = true
    await done
    expect(written).toEqual([])
  })

  it('a graceful close writes what is queued before closing the inner connection', async () => {
    const { conn, calls } = shaped({ current: { latencyMs: 60 } })
    let end: () => void = () => {}
    const ended = new Promise<void>((resolve) => {
      end = resolve
    })
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.of(1)
      await ended
    }
    const sinking = conn.maConn.sink(source())
    // Let the chunk be read into the queue, then close while it waits out its latency.
    await new Promise((resolve) => setImmediate(resolve))
    await conn.maConn.close()
    expect(calls).toEqual(['close after 1 written'])
    end()
    await sinking
  })

  it('abort drops the queue and aborts the inner connection at once', async () => {
    const { conn, written, calls } = shaped({ current: { latencyMs: 10_000 } })
    const sinking = conn.maConn.sink(numbered(2))
    await new Promise((resolve) => setImmediate(resolve))
    conn.maConn.abort(new Error('test'))
    await sinking
    expect(written).toEqual([])
    expect(calls).toEqual(['abort', 'sink-ended'])
  })

  it('the upgrader’s replacements of timeline and log reach the inner connection', () => {
    const { conn, inner } = shaped({ current: {} })
    const timeline = { open: 1 }
    conn.maConn.timeline = timeline
    expect(inner.timeline).toBe(timeline)
    expect({ ...conn.maConn }.timeline).toBe(timeline)
  })
})
