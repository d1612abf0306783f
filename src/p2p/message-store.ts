/** Recently validated envelope bytes by message id, bounded, to answer sync requests. */
import { toHex } from '../wire/envelope.js'

/**
 * Envelope bytes kept at most, whatever their number. Proposals and commit notices carry a
 * whole block (up to 2 MiB each), so a bound on the count alone let 10,000 envelopes hold
 * gigabytes. 16 MiB is 8 of the largest blocks; on the default topic (~15 KB blocks, each
 * announced by every coordinator) it is the last minute or two of a node's gossip, about as
 * long as gossipsub remembers message ids (its seenTtl), which is what a peer asking for a
 * message it missed needs.
 */
export const MESSAGE_STORE_MAX_BYTES = 16 * 1024 * 1024

export class MessageStore {
  private readonly byId = new Map<string, Uint8Array>()
  private heldBytes = 0

  /**
   * @param capacity most envelopes kept; the oldest is dropped first @default 10000
   * @param maxBytes most envelope bytes kept; the oldest are dropped first @default MESSAGE_STORE_MAX_BYTES
   */
  constructor(
    private readonly capacity = 10_000,
    private readonly maxBytes = MESSAGE_STORE_MAX_BYTES,
  ) {}

  put(id: Uint8Array, bytes: Uint8Array): void {
    const key = toHex(id)
    if (this.byId.has(key) || bytes.byteLength > this.maxBytes) return
    while (this.byId.size > 0 && (this.byId.size >= this.capacity || this.heldBytes + bytes.byteLength > this.maxBytes))
      this.dropOldest()
    // A received message is a view into the frame it came in (often several messages and
    // gossipsub's control data): kept as it is, it would keep the whole frame alive.
    // (A copy by `new Uint8Array`: a Buffer's `slice` is another view.)
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)
    this.byId.set(key, own)
    this.heldBytes += own.byteLength
  }

  get(id: Uint8Array): Uint8Array | undefined {
    return this.byId.get(toHex(id))
  }

  get size(): number {
    return this.byId.size
  }

  /** Envelope bytes held. */
  get bytes(): number {
    return this.heldBytes
  }

  private dropOldest(): void {
    const [key, bytes] = this.byId.entries().next().value as [string, Uint8Array]
    this.byId.delete(key)
    this.heldBytes -= bytes.byteLength
  }
}
