/**
 * `/chorus/1/sync/1.0.0`: request/response over a libp2p stream, one length-prefixed
 * canonical-CBOR frame each way. Requests name a kind (`messages` is built in; the layers
 * above add e.g. `blocks`) and a query; providers answer with a list of byte items. Both
 * sides bound frame sizes and time, and a malformed frame gets an error answer, never a crash.
 * Serving is bounded too: requests served at once, in all and per peer (more get a `busy`
 * answer without being read), and open sync streams per connection (libp2p resets the rest).
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { pipe } from 'it-pipe'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { z } from 'zod'
import { bytesEqual, decodeCanonical, encodeCanonical } from '../wire/codec.js'
import { Counters } from '../util/counters.js'
import { messageId } from '../wire/envelope.js'
import type { MessageStore } from './message-store.js'

export const SYNC_PROTOCOL = '/chorus/1/sync/1.0.0'

export class SyncError extends Error {
  override readonly name = 'SyncError'
}

/** Answers one query; returns one item (or null when unknown) per thing asked for. */
export type SyncProvider = (query: unknown) => Promise<(Uint8Array | null)[]> | (Uint8Array | null)[]

const requestSchema = z.strictObject({ kind: z.string().min(1).max(32), query: z.unknown() })
const responseSchema = z.union([
  z.strictObject({ items: z.array(z.instanceof(Uint8Array).nullable()) }),
  z.strictObject({ error: z.string() }),
])

/** The answer of a request refused because the server is serving as many as it takes. */
export const BUSY = 'busy'

export type SyncCounterKey =
  | 'served:ok'
  /** Not a request: an oversized or broken length prefix, bad CBOR, or not `{kind, query}`. */
  | 'served:malformed'
  | 'served:unknown-kind'
  | 'served:provider-error'
  /** Reset by the peer, timed out or cut short mid-frame: dropped, no answer. */
  | 'served:failed'
  /** Refused (answered `busy`, unread): as many requests served at once as the node takes. */
  | 'served:busy'
  /** Refused (answered `busy`, unread): as many requests of this peer served at once as one peer gets. */
  | 'served:peer-busy'
  | 'requested:ok'
  | 'requested:failed'

export interface SyncLimits {
  readonly timeoutMs: number
  readonly maxFrameBytes: number
  readonly maxIdsPerRequest: number
  /** Requests served at once, all peers together; more are answered `busy`. */
  readonly maxConcurrentRequests: number
  /** Requests of one peer served at once (over all its connections); more are answered `busy`. */
  readonly maxConcurrentPerPeer: number
  /** Slots beyond maxConcurrentRequests that only priority peers (`setPriority`) may take. */
  readonly reservedForPriority: number
  /** Deadline for a served stream's request frame to arrive. */
  readonly requestReadMs: number
  /**
   * Open inbound sync streams per connection (libp2p's `maxInboundStreams`): libp2p resets
   * the stream beyond it before it reaches us. Above maxConcurrentPerPeer, so a peer's excess
   * requests are normally answered `busy` (and counted); this is the hard backstop.
   */
  readonly maxInboundStreams: number
}

export interface SyncHooks {
  /** A peer sent a malformed request (not a timeout or a reset: those happen to honest peers). */
  readonly onMalformed?: (peerId: string) => void
}

/**
 * Requests being served, in all and per peer; `admit` takes a slot, `release` gives it back.
 * A priority peer may also take one of `reserved` slots beyond `maxTotal`.
 */
export class SyncAdmission {
  private total = 0
  private readonly perPeer = new Map<string, number>()
  private isPriority: (peer: string) => boolean = () => false

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerPeer: number,
    private readonly reserved = 0,
  ) {}

  /** Which peers may use the reserved slots (e.g. the committee members). */
  setPriority(isPriority: (peer: string) => boolean): void {
    this.isPriority = isPriority
  }

  /** Requests being served. */
  get inFlight(): number {
    return this.total
  }

  /** Requests of `peer` being served. */
  inFlightOf(peer: string): number {
    return this.perPeer.get(peer) ?? 0
  }

  /** Take a slot for a request of `peer`, or say which cap refuses it (the peer's first). */
  admit(peer: string): 'ok' | 'busy' | 'peer-busy' {
    const mine = this.perPeer.get(peer) ?? 0
    if (mine >= this.maxPerPeer) return 'peer-busy'
    if (this.total >= this.maxTotal && !(this.total < this.maxTotal + this.reserved && this.isPriority(peer)))
      return 'busy'
    this.total++
    this.perPeer.set(peer, mine + 1)
    return 'ok'
  }

  release(peer: string): void {
    const mine = this.perPeer.get(peer) ?? 0
    if (mine === 0) return
    this.total--
    // The map holds only peers being served, so its size is bounded by maxTotal.
    if (mine === 1) this.perPeer.delete(peer)
    else this.perPeer.set(peer, mine - 1)
  }
}

/** Errors of it-length-prefixed for a frame that cannot be one (not a stream that ended early). */
const BAD_FRAME_ERRORS = new Set([
  'InvalidMessageLengthError',
  'InvalidDataLengthError',
  'InvalidDataLengthLengthError',
])

export class SyncService {
  readonly counters = new Counters<SyncCounterKey>()
  readonly admission: SyncAdmission
  private readonly providers = new Map<string, SyncProvider>()

  /**
   * Bytes of items one answer should carry at most: half the frame limit, which leaves room
   * for the encoding; a provider of large items stops adding them there (the asker asks
   * again for the rest).
   */
  get answerBudget(): number {
    return Math.floor(this.limits.maxFrameBytes / 2)
  }

  constructor(
    private readonly libp2p: Libp2p,
    private readonly limits: SyncLimits,
    store: MessageStore,
    private readonly hooks: SyncHooks = {},
  ) {
    this.admission = new SyncAdmission(
      limits.maxConcurrentRequests,
      limits.maxConcurrentPerPeer,
      limits.reservedForPriority,
    )
    this.providers.set('messages', (query) => {
      const ids = z.array(z.instanceof(Uint8Array)).max(limits.maxIdsPerRequest).parse(query)
      return ids.map((id) => store.get(id) ?? null)
    })
  }

  async start(): Promise<void> {
    await this.libp2p.handle(
      SYNC_PROTOCOL,
      ({ stream, connection }) => {
        // The handler must not throw into libp2p; every failure is answered or logged by counters.
        void this.admit(stream, connection)
      },
      { maxInboundStreams: this.limits.maxInboundStreams },
    )
  }

  /** Register (or replace) the provider of a request kind. */
  provide(kind: string, provider: SyncProvider): void {
    this.providers.set(kind, provider)
  }

  /** Serve the request in a free slot, or answer `busy` without reading it. */
  private async admit(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const admitted = this.admission.admit(peer)
    if (admitted !== 'ok') {
      this.counters.inc(admitted === 'busy' ? 'served:busy' : 'served:peer-busy')
      return this.refuse(stream)
    }
    try {
      await this.serve(stream, peer)
    } finally {
      this.admission.release(peer)
    }
  }

  /** Answer `busy` and close, without reading the request (a refusal costs no buffer). */
  private async refuse(stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.limits.timeoutMs)
    const onAbort = (): void => stream.abort(new SyncError('sync refusal timed out'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      await pipe([encodeCanonical({ error: BUSY })], (source) => lp.encode(source), stream.sink)
      await stream.close({ signal })
    } catch {
      stream.abort(new SyncError('sync refusal failed'))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  private async serve(stream: Stream, peer: string): Promise<void> {
    const signal = AbortSignal.timeout(this.limits.timeoutMs)
    const onAbort = (): void => stream.abort(new SyncError('sync request timed out'))
    signal.addEventListener('abort', onAbort, { once: true })
    // A stream that holds a slot without sending its request gives the slot back early.
    const upload = setTimeout(
      () => stream.abort(new SyncError('sync request not sent in time')),
      this.limits.requestReadMs,
    )
    try {
      const answer = (frame: Uint8Array) => this.answer(frame, peer)
      await pipe(
        stream.source,
        (source) => this.decodeFrames(source),
        async function* (frames) {
          for await (const frame of frames) {
            clearTimeout(upload)
            yield encodeCanonical(await answer(frame.subarray()))
            return // one request per stream
          }
        },
        (source) => lp.encode(source),
        stream.sink,
      )
    } catch (err) {
      // Oversized frame, reset by the peer, timeout: drop the stream; the peer sees an error.
      // Only a frame that cannot be one is the peer's fault (an honest peer times out too).
      if (BAD_FRAME_ERRORS.has((err as Error | undefined)?.name ?? '')) this.malformed(peer)
      else this.counters.inc('served:failed')
      stream.abort(new SyncError('bad sync request'))
    } finally {
      clearTimeout(upload)
      signal.removeEventListener('abort', onAbort)
    }
  }

  private malformed(peer: string): void {
    this.counters.inc('served:malformed')
    try {
      this.hooks.onMalformed?.(peer)
    } catch {
      // A failing hook must not turn into an unanswered stream.
    }
  }

  private async answer(frame: Uint8Array, peer: string): Promise<{ items: (Uint8Array | null)[] } | { error: string }> {
    let request: z.infer<typeof requestSchema>
    try {
      request = requestSchema.parse(decodeCanonical(frame))
    } catch {
      this.malformed(peer)
      return { error: 'malformed request' }
    }
    const provider = this.providers.get(request.kind)
    if (provider === undefined) {
      this.counters.inc('served:unknown-kind')
      return { error: `unknown request kind "${request.kind}"` }
    }
    try {
      const items = await provider(request.query)
      this.counters.inc('served:ok')
      return { items }
    } catch (err) {
      this.counters.inc('served:provider-error')
      return { error: `cannot answer: ${(err as Error).message}` }
    }
  }

  /**
   * Send one request to `peer` (a peer id or a multiaddr) and return the provider's items. A
   * `busy` refusal or a reset stream is a SyncError like any other failed answer (callers ask
   * another peer, or again later).
   */
  async request(peer: string, kind: string, query: unknown): Promise<(Uint8Array | null)[]> {
    try {
      const items = await this.exchange(peer, encodeCanonical({ kind, query }))
      this.counters.inc('requested:ok')
      return items
    } catch (err) {
      this.counters.inc('requested:failed')
      if (err instanceof SyncError) throw err
      throw new SyncError(`sync ${kind} from ${peer} failed: ${(err as Error).message}`)
    }
  }

  /**
   * Fetch envelopes by message id. Each returned item is checked against the id it was asked
   * for (the id is the hash of the bytes), so a peer cannot substitute a message.
   */
  async fetchMessages(peer: string, ids: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    if (ids.length > this.limits.maxIdsPerRequest)
      throw new SyncError(`at most ${this.limits.maxIdsPerRequest} ids per request`)
    const items = await this.request(peer, 'messages', ids)
    if (items.length !== ids.length) throw new SyncError(`peer answered ${items.length} items for ${ids.length} ids`)
    items.forEach((item, i) => {
      if (item !== null && !bytesEqual(messageId(item), ids[i]))
        throw new SyncError(`peer returned a message that does not match id #${i}`)
    })
    return items
  }

  private decodeFrames(source: AsyncIterable<Uint8ArrayList | Uint8Array>): AsyncGenerator<Uint8ArrayList> {
    return lp.decode(source, { maxDataLength: this.limits.maxFrameBytes })
  }

  /** Send a frame as it is, for fault injection (chaos tests play hostile peers with it). */
  async requestRaw(peer: string, frame: Uint8Array): Promise<(Uint8Array | null)[]> {
    return this.exchange(peer, frame)
  }

  private async exchange(peer: string, requestBytes: Uint8Array): Promise<(Uint8Array | null)[]> {
    const signal = AbortSignal.timeout(this.limits.timeoutMs)
    const target: PeerId | ReturnType<typeof multiaddr> = peer.startsWith('/')
      ? multiaddr(peer)
      : peerIdFromString(peer)
    const stream = await this.libp2p.dialProtocol(target, SYNC_PROTOCOL, { signal })
    const onAbort = (): void =>
      stream.abort(new SyncError(`sync request to ${peer} timed out after ${this.limits.timeoutMs} ms`))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const frame = await pipe(
        [requestBytes],
        (source) => lp.encode(source),
        stream,
        (source) => this.decodeFrames(source),
        async (frames) => {
          for await (const f of frames) return f.subarray()
          return undefined
        },
      )
      if (frame === undefined) throw new SyncError(`peer ${peer} closed the stream without an answer`)
      let response: z.infer<typeof responseSchema>
      try {
        response = responseSchema.parse(decodeCanonical(frame))
      } catch {
        throw new SyncError(`peer ${peer} sent a malformed sync response`)
      }
      if ('error' in response) throw new SyncError(`peer ${peer} refused: ${response.error}`)
      return response.items
    } catch (err) {
      if (signal.aborted) throw new SyncError(`sync request to ${peer} timed out after ${this.limits.timeoutMs} ms`)
      throw err
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }
}
