/**
 * The sync server's limits without a network: admission (requests served at once, in all and
 * per peer), the stream cap handed to libp2p, `busy` refusals, and what counts as malformed
 * (and reaches the penalty hook). A fake libp2p captures the handler; fake streams feed it.
 */
import type { Libp2p, Stream, StreamHandler } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { describe, expect, it } from 'vitest'
import { BUSY, SyncAdmission } from '../../../src/p2p/index.js'
import { decodeCanonical, encodeCanonical } from '../../../src/wire/index.js'
import { MessageStore } from '../../../src/p2p/message-store.js'
import { SyncService, type SyncLimits } from '../../../src/p2p/sync.js'

describe('SyncAdmission', () => {
  it('admits up to the per-peer cap, then refuses that peer only', () => {
    const a = new SyncAdmission(10, 2)
    expect([a.admit('p'), a.admit('p'), a.admit('p')]).toEqual(['ok', 'ok', 'peer-busy'])
    expect(a.admit('q')).toBe('ok')
    expect(a.inFlight).toBe(3)
    expect(a.inFlightOf('p')).toBe(2)
  })

  it('admits up to the global cap over all peers; a peer over its own cap is told so first', () => {
    const a = new SyncAdmission(3, 2)
    expect([a.admit('p'), a.admit('p'), a.admit('q')]).toEqual(['ok', 'ok', 'ok'])
    expect(a.admit('r')).toBe('busy')
    expect(a.admit('p')).toBe('peer-busy')
    a.release('q')
    expect(a.admit('r')).toBe('ok')
  })

  it('keeps reserved slots beyond the global cap for priority peers only', () => {
    const a = new SyncAdmission(2, 2, 1)
    expect([a.admit('p'), a.admit('q')]).toEqual(['ok', 'ok'])
    expect(a.admit('c')).toBe('busy') // no priority peers named yet
    a.setPriority((peer) => peer.startsWith('c'))
    expect(a.admit('x')).toBe('busy')
    expect(a.admit('c1')).toBe('ok')
    expect(a.admit('c2')).toBe('busy') // the reserve is used up
    a.release('c1')
    expect(a.admit('c2')).toBe('ok')
  })

  it('frees slots on release, forgets idle peers, and ignores a release without a slot', () => {
    const a = new SyncAdmission(2, 2)
    a.admit('p')
    a.admit('p')
    a.release('p')
    a.release('p')
    a.release('p')
    a.release('nobody')
    expect(a.inFlight).toBe(0)
    expect(a.inFlightOf('p')).toBe(0)
    expect([a.admit('q'), a.admit('q')]).toEqual(['ok', 'ok'])
  })
})

const LIMITS: SyncLimits = {
  timeoutMs: 2000,
  maxFrameBytes: 1024,
  maxIdsPerRequest: 16,
  maxConcurrentRequests: 2,
  maxConcurrentPerPeer: 1,
  reservedForPriority: 1,
  requestReadMs: 100,
  maxInboundStreams: 5,
}

interface Served {
  /** Decoded answer frames. */
  readonly answers: unknown[]
  /** Set when the server aborted the stream (its first reason). */
  aborted?: Error
  closed: boolean
  /** Resolves once the server has finished with the stream (answered and closed, or aborted). */
  readonly done: Promise<void>
}

/** Let the server's pending continuations (closing, releasing its slot) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function fakeService(): {
  service: SyncService
  penalised: string[]
  handleOptions: () => unknown
  request: (peer: string, bytes: Uint8Array | 'silent') => Served
} {
  let handler: StreamHandler | undefined
  let handleOptions: unknown
  const libp2p = {
    handle: async (_protocol: string, h: StreamHandler, options: unknown) => {
      handler = h
      handleOptions = options
    },
  } as unknown as Libp2p
  const penalised: string[] = []
  const service = new SyncService(libp2p, LIMITS, new MessageStore(10), { onMalformed: (peer) => penalised.push(peer) })
  void service.start()
  const request = (peer: string, bytes: Uint8Array | 'silent'): Served => {
    let finish!: () => void
    const served: Served = { answers: [], closed: false, done: new Promise((resolve) => (finish = resolve)) }
    let aborted!: () => void
    const abortedSignal = new Promise<void>((resolve) => (aborted = resolve))
    const stream = {
      // `silent`: a stream that opens and never sends its request.
      source:
        bytes === 'silent'
          ? // biome-ignore lint/correctness/useYield: a source that never yields, as an aborted stream's
            (async function* () {
              await abortedSignal
              // As a libp2p stream's source does once the stream is aborted.
              throw new Error('stream aborted')
            })()
          : (async function* () {
              yield bytes
            })(),
      sink: async (source: AsyncIterable<Uint8Array | { subarray(): Uint8Array }>) => {
        const chunks: Uint8Array[] = []
        for await (const chunk of source) chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())
        for await (const frame of lp.decode([Buffer.concat(chunks)]))
          served.answers.push(decodeCanonical(frame.subarray()))
        void settle().then(finish)
      },
      close: async () => {
        served.closed = true
      },
      abort: (err: Error) => {
        served.aborted ??= err // the first reason
        aborted()
        void settle().then(finish)
      },
    } as unknown as Stream
    handler!({ stream, connection: { remotePeer: { toString: () => peer } } } as never)
    return served
  }
  return { service, penalised, handleOptions: () => handleOptions, request }
}

const frame = (value: unknown): Uint8Array => lp.encode.single(encodeCanonical(value)).subarray()

describe('SyncService serving limits', () => {
  it('hands its per-connection stream cap to libp2p', async () => {
    const { handleOptions } = fakeService()
    expect(handleOptions()).toEqual({ maxInboundStreams: 5 })
  })

  it('answers `busy` (and closes) over the per-peer and the global cap, and serves again once a slot frees', async () => {
    const { service, request } = fakeService()
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    service.provide('slow', async () => {
      await gate
      return []
    })
    const first = request('p', frame({ kind: 'slow', query: null }))
    await settle()
    const second = request('p', frame({ kind: 'slow', query: null }))
    await second.done
    expect(second.answers).toEqual([{ error: BUSY }])
    expect(second.closed).toBe(true)
    expect(service.counters.get('served:peer-busy')).toBe(1)

    const other = request('q', frame({ kind: 'slow', query: null }))
    await settle()
    const third = request('r', frame({ kind: 'messages', query: [] }))
    await third.done
    expect(third.answers).toEqual([{ error: BUSY }])
    expect(service.counters.get('served:busy')).toBe(1)

    open()
    await Promise.all([first.done, other.done])
    expect(first.answers).toEqual([{ items: [] }])
    expect(service.admission.inFlight).toBe(0)
    const again = request('r', frame({ kind: 'messages', query: [] }))
    await again.done
    expect(again.answers).toEqual([{ items: [] }])
    expect(service.counters.get('served:ok')).toBe(3)
  })

  it('counts bad CBOR, a wrong shape and an oversized frame as malformed, and reports the peer', async () => {
    const { service, penalised, request } = fakeService()
    const bad = request('p', lp.encode.single(new Uint8Array([0xde, 0xad])).subarray())
    await bad.done
    expect(bad.answers).toEqual([{ error: 'malformed request' }])
    await request('q', frame({ kind: 5, query: [] })).done
    const big = request('r', frame({ kind: 'messages', query: [new Uint8Array(2048)] }))
    await big.done
    expect(big.aborted).toBeDefined()
    expect(service.counters.get('served:malformed')).toBe(3)
    expect(penalised).toEqual(['p', 'q', 'r'])
    expect(service.admission.inFlight).toBe(0)
  })

  it('gives back the slot of a stream that never sends its request after requestReadMs', async () => {
    const { service, penalised, request } = fakeService()
    const silent = request('p', 'silent')
    await settle()
    expect(service.admission.inFlight).toBe(1)
    await silent.done
    expect(silent.aborted?.message).toMatch(/not sent in time/)
    expect(service.admission.inFlight).toBe(0)
    expect(service.counters.get('served:failed')).toBe(1)
    expect(penalised).toEqual([])
  })

  it('counts a frame cut short as failed, not malformed, and reports nobody', async () => {
    const { service, penalised, request } = fakeService()
    const cut = request('p', frame({ kind: 'messages', query: [] }).subarray(0, 4))
    await cut.done
    expect(cut.aborted).toBeDefined()
    expect(service.counters.get('served:failed')).toBe(1)
    expect(service.counters.get('served:malformed')).toBe(0)
    expect(penalised).toEqual([])
  })
})
