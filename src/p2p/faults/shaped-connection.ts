/**
 * A raw (not yet upgraded) connection whose outbound bytes pass through its link's
 * conditions: each chunk is released after the bandwidth cap and the latency ± jitter, and
 * never before the chunk ahead of it, so the byte stream keeps its order as TCP does. Until
 * the upgrade binds it to a peer (after the handshake) it passes everything as it comes.
 */
import type { AbortOptions, MultiaddrConnection } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Counters } from '../../util/counters.js'
import type { PeerLink } from './link.js'
import type { FaultStatKey } from './stats.js'

type Chunk = Uint8Array | Uint8ArrayList

/** Bytes queued before the reader waits: the link's "socket buffer" under a slow link. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024
/** Under a bandwidth cap a chunk is paced in slices of this size, not released whole. */
const PACING_SLICE_BYTES = 16 * 1024

interface Queued {
  readonly chunk: Chunk
  readonly release: number
}

function slices(chunk: Chunk): Chunk[] {
  if (chunk.byteLength <= PACING_SLICE_BYTES) return [chunk]
  const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
  const out: Chunk[] = []
  for (let at = 0; at < bytes.byteLength; at += PACING_SLICE_BYTES)
    out.push(bytes.subarray(at, at + PACING_SLICE_BYTES))
  return out
}

export class ShapedConnection {
  /** The link this connection belongs to, once the upgrade has named the remote peer. */
  link: PeerLink | undefined
  readonly maConn: MultiaddrConnection
  private queue: (Queued | undefined)[] = []
  private head = 0
  private queuedBytes = 0
  private lastRelease = 0
  private ended = false
  private stopped = false
  private failure: unknown
  private waiter: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private room: (() => void) | undefined
  private flushWaiters: (() => void)[] = []
  /** A chunk handed to the inner sink that it has not asked past yet (not yet written). */
  private inFlight = false

  constructor(
    inner: MultiaddrConnection,
    private readonly counters: Counters<FaultStatKey>,
    private readonly onGone: (conn: ShapedConnection) => void,
  ) {
    const self = this
    this.maConn = {
      source: (async function* () {
        for await (const chunk of inner.source) {
          // Nothing crosses a cut link, even bytes the socket had read already.
          if (self.link?.cut === true) return
          yield chunk
        }
      })(),
      sink: async (source) => inner.sink(this.shape(source)),
      // libp2p closes (or aborts) every connection it upgraded, whoever ended it: that is
      // when it leaves its link.
      close: async (options?: AbortOptions) => {
        // A graceful close writes what is queued first, as the interface promises.
        await this.flushed(options?.signal)
        this.gone()
        await inner.close(options)
      },
      abort: (err: Error) => {
        this.stop()
        this.gone()
        inner.abort(err)
      },
      // The upgrader replaces `timeline` and `log` on the connection it was given, and the
      // inner connection must see the replacements (its close time reaches libp2p through them).
      get remoteAddr() {
        return inner.remoteAddr
      },
      set remoteAddr(value) {
        inner.remoteAddr = value
      },
      get timeline() {
        return inner.timeline
      },
      set timeline(value) {
        inner.timeline = value
      },
      get log() {
        return inner.log
      },
      set log(value) {
        inner.log = value
      },
    }
  }

  /** Drop everything queued and never send again (the connection is being torn down). */
  stop(): void {
    this.stopped = true
    this.queue = []
    this.head = 0
    this.queuedBytes = 0
    this.wake()
    this.room?.()
    this.room = undefined
    for (const resolve of this.flushWaiters.splice(0)) resolve()
  }

  private gone(): void {
    this.onGone(this)
  }

  private shape(source: AsyncIterable<Chunk>): AsyncGenerator<Chunk> {
    void this.fill(source)
    return this.drain()
  }

  /** Reads the source as fast as it comes, so a chunk's delay starts when it was written. */
  private async fill(source: AsyncIterable<Chunk>): Promise<void> {
    try {
      for await (const chunk of source) {
        if (this.stopped) break
        this.admit(chunk)
        while (this.queuedBytes > MAX_QUEUED_BYTES && !this.stopped) {
          await new Promise<void>((resolve) => {
            this.room = resolve
          })
        }
      }
    } catch (err) {
      this.failure = err
    } finally {
      this.ended = true
      this.wake()
    }
  }

  private admit(chunk: Chunk): void {
    const link = this.link
    if (link?.cut === true) return
    const now = performance.now()
    const shaping = link?.shapesBytes() === true
    for (const piece of shaping ? slices(chunk) : [chunk]) {
      const due = shaping ? link!.releaseAt(piece.byteLength, now) : now
      const release = Math.max(due, this.lastRelease)
      this.lastRelease = release
      if (release > now) this.counters.inc('chunksDelayed')
      this.queue.push({ chunk: piece, release })
      this.queuedBytes += piece.byteLength
    }
    // The writer sleeps without a timer only when the queue was empty.
    if (this.timer === undefined) this.wake()
  }

  private async *drain(): AsyncGenerator<Chunk> {
    try {
      for (;;) {
        if (this.stopped) return
        const item = this.queue[this.head]
        if (item === undefined) {
          // The inner sink asked for more, so it has written everything handed to it.
          for (const resolve of this.flushWaiters.splice(0)) resolve()
          if (this.ended) {
            if (this.failure !== undefined) throw this.failure
            return
          }
          await this.sleep()
          continue
        }
        const wait = item.release - performance.now()
        if (wait > 0) {
          await this.sleep(wait)
          continue
        }
        this.take()
        if (this.link?.cut === true) continue
        this.inFlight = true
        yield item.chunk
        this.inFlight = false
      }
    } finally {
      this.stop()
    }
  }

  private take(): void {
    const item = this.queue[this.head]!
    this.queue[this.head++] = undefined
    this.queuedBytes -= item.chunk.byteLength
    if (this.head >= this.queue.length) {
      this.queue = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    if (this.room !== undefined && this.queuedBytes <= MAX_QUEUED_BYTES) {
      const resolve = this.room
      this.room = undefined
      resolve()
    }
  }

  /** Until woken (a chunk came, the source ended, a stop), or until `ms` have passed. */
  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve
      if (ms !== undefined) this.timer = setTimeout(() => this.wake(), ms)
    })
  }

  private wake(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const resolve = this.waiter
    this.waiter = undefined
    resolve?.()
  }

  /**
   * Resolves once everything queued is written to the inner connection (or the signal aborts:
   * the close goes on regardless).
   */
  private flushed(signal: AbortSignal | undefined): Promise<void> {
    if ((this.head >= this.queue.length && !this.inFlight) || this.stopped || signal?.aborted === true) {
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve)
      signal?.addEventListener('abort', () => resolve(), { once: true })
    })
  }
}
