/** Recently validated envelope bytes by message id, bounded, to answer sync requests. */
import { toHex } from '../wire/envelope.js'

export class MessageStore {
  private readonly byId = new Map<string, Uint8Array>()

  /** @param capacity most envelopes kept; the oldest is dropped first @default 10000 */
  constructor(private readonly capacity = 10_000) {}

  put(id: Uint8Array, bytes: Uint8Array): void {
    const key = toHex(id)
    if (this.byId.has(key)) return
    if (this.byId.size >= this.capacity) this.byId.delete(this.byId.keys().next().value as string)
    this.byId.set(key, bytes)
  }

  get(id: Uint8Array): Uint8Array | undefined {
    return this.byId.get(toHex(id))
  }

  get size(): number {
    return this.byId.size
  }
}
