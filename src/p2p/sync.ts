/**
 * `/chorus/1/sync/1.0.0`: request/response over a libp2p stream, one length-prefixed
 * canonical-CBOR frame each way. Requests name a kind (`messages` is built in; the layers
 * above add e.g. `blocks`) and a query; providers answer with a list of byte items. Both
 * sides bound frame sizes and time, and a malformed frame gets an error answer, never a crash.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { pipe } from 'it-pipe'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { z } from 'zod'
import { bytesEqual, decodeCanonical, encodeCanonical } from './codec.js'
import { Counters } from './counters.js'
import { messageId } from './envelope.js'
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

export type SyncCounterKey =
  | 'served:ok'
  | 'served:malformed'
  | 'served:unknown-kind'
  | 'served:provider-error'
  | 'requested:ok'
  | 'requested:failed'

export interface SyncLimits {
  readonly timeoutMs: number
  readonly maxFrameBytes: number
  readonly maxIdsPerRequest: number
}

export class SyncService {
  readonly counters = new Counters<SyncCounterKey>()
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
  ) {
    this.providers.set('messages', (query) => {
      const ids = z.array(z.instanceof(Uint8Array)).max(limits.maxIdsPerRequest).parse(query)
      return ids.map((id) => store.get(id) ?? null)
    })
  }

  async start(): Promise<void> {
    await this.libp2p.handle(SYNC_PROTOCOL, ({ stream }) => {
      // The handler must not throw into libp2p; every failure is answered or logged by counters.
      void this.serve(stream)
    })
  }

  /** Register (or replace) the provider of a request kind. */
  provide(kind: string, provider: SyncProvider): void {
    this.providers.set(kind, provider)
  }

  private async serve(stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.limits.timeoutMs)
    const onAbort = (): void => stream.abort(new SyncError('sync request timed out'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const answer = (frame: Uint8Array) => this.answer(frame)
      await pipe(
        stream.source,
        (source) => this.decodeFrames(source),
        async function* (frames) {
          for await (const frame of frames) {
            yield encodeCanonical(await answer(frame.subarray()))
            return // one request per stream
          }
        },
        (source) => lp.encode(source),
        stream.sink,
      )
    } catch {
      // Oversized frame, reset by the peer, timeout: drop the stream; the peer sees an error.
      this.counters.inc('served:malformed')
      stream.abort(new SyncError('bad sync request'))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  private async answer(frame: Uint8Array): Promise<{ items: (Uint8Array | null)[] } | { error: string }> {
    let request: z.infer<typeof requestSchema>
    try {
      request = requestSchema.parse(decodeCanonical(frame))
    } catch {
      this.counters.inc('served:malformed')
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

  /** Send one request to `peer` (a peer id or a multiaddr) and return the provider's items. */
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
    if (ids.length > this.limits.maxIdsPerRequest) throw new SyncError(`at most ${this.limits.maxIdsPerRequest} ids per request`)
    const items = await this.request(peer, 'messages', ids)
    if (items.length !== ids.length) throw new SyncError(`peer answered ${items.length} items for ${ids.length} ids`)
    items.forEach((item, i) => {
      if (item !== null && !bytesEqual(messageId(item), ids[i])) throw new SyncError(`peer returned a message that does not match id #${i}`)
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
    const target: PeerId | ReturnType<typeof multiaddr> = peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
    const stream = await this.libp2p.dialProtocol(target, SYNC_PROTOCOL, { signal })
    const onAbort = (): void => stream.abort(new SyncError(`sync request to ${peer} timed out after ${this.limits.timeoutMs} ms`))
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
