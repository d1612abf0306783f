/**
 * What a coordinator has received and not yet committed: inferences, forecasts and loss
 * bundles by (topic, epoch), and transactions in arrival order. The proposer draws a block's
 * inputs from it; a voter looks up the ids a proposal names. The first message of a signer
 * for a slot wins (the validator already refused later ones), and old epochs are pruned.
 */
import { toHex, type Envelope } from '../p2p/index.js'

interface Pooled {
  readonly envelope: Envelope
  readonly bytes: Uint8Array
}

export class MessagePool {
  private readonly byId = new Map<string, Pooled>()
  /** `type|topic|epoch` → signer → id */
  private readonly bySlot = new Map<string, Map<string, string>>()
  /** `type|topic|epoch` → ids kept by addReferenced outside the slots (pruned with them) */
  private readonly referenced = new Map<string, Set<string>>()
  private readonly txIds: string[] = []

  /** @param capacity most messages kept; the oldest go first @default 200000 */
  constructor(private readonly capacity = 200_000) {}

  add(id: string, envelope: Envelope, bytes: Uint8Array): void {
    if (this.byId.has(id)) return
    if (envelope.type === 'tx') {
      this.txIds.push(id)
    } else {
      const key = `${envelope.type}|${envelope.topicId}|${envelope.epoch}`
      let slot = this.bySlot.get(key)
      if (slot === undefined) {
        slot = new Map()
        this.bySlot.set(key, slot)
      }
      const signer = toHex(envelope.signer)
      if (slot.has(signer)) return
      slot.set(signer, id)
    }
    this.byId.set(id, { envelope, bytes })
    if (this.byId.size > this.capacity) this.evictOldest()
  }

  /**
   * A message a block names, fetched by id: kept even when its signer's slot holds another
   * message (the block, not arrival order, decides which one counts).
   */
  addReferenced(id: string, envelope: Envelope, bytes: Uint8Array): void {
    if (this.byId.has(id)) return
    this.byId.set(id, { envelope, bytes })
    if (envelope.type !== 'tx') {
      const key = `${envelope.type}|${envelope.topicId}|${envelope.epoch}`
      let ids = this.referenced.get(key)
      if (ids === undefined) this.referenced.set(key, (ids = new Set()))
      ids.add(id)
    }
    if (this.byId.size > this.capacity) this.evictOldest()
  }

  get(id: string): Envelope | undefined {
    return this.byId.get(id)?.envelope
  }

  bytes(id: string): Uint8Array | undefined {
    return this.byId.get(id)?.bytes
  }

  /** Ids (ascending) of the pooled messages of a type for (topic, epoch). */
  ids(type: Envelope['type'], topicId: string, epoch: number): string[] {
    return [...(this.bySlot.get(`${type}|${topicId}|${epoch}`)?.values() ?? [])].sort()
  }

  /** Pending transaction envelopes, oldest first. */
  pendingTxs(limit: number): { id: string; bytes: Uint8Array }[] {
    return this.txIds.slice(0, limit).map((id) => ({ id, bytes: (this.byId.get(id) as Pooled).bytes }))
  }

  /** Forget transactions (committed, or refused by the ledger). */
  dropTxs(ids: Iterable<string>): void {
    const gone = ids instanceof Set ? (ids as Set<string>) : new Set(ids)
    for (let i = this.txIds.length - 1; i >= 0; i--) {
      if (gone.has(this.txIds[i])) {
        this.byId.delete(this.txIds[i])
        this.txIds.splice(i, 1)
      }
    }
  }

  /** Forget a topic's messages of epochs before `epoch`. */
  prune(topicId: string, epoch: number): void {
    const old = (key: string): boolean => {
      const [, topic, e] = key.split('|')
      return topic === topicId && Number(e) < epoch
    }
    for (const [key, slot] of this.bySlot) {
      if (!old(key)) continue
      for (const id of slot.values()) this.byId.delete(id)
      this.bySlot.delete(key)
    }
    for (const [key, ids] of this.referenced) {
      if (!old(key)) continue
      for (const id of ids) this.byId.delete(id)
      this.referenced.delete(key)
    }
  }

  private evictOldest(): void {
    const oldest = this.byId.keys().next().value as string
    const env = (this.byId.get(oldest) as Pooled).envelope
    this.byId.delete(oldest)
    if (env.type === 'tx') {
      this.txIds.splice(this.txIds.indexOf(oldest), 1)
      return
    }
    const key = `${env.type}|${env.topicId}|${env.epoch}`
    const slot = this.bySlot.get(key)
    // A referenced message may share its signer's slot with another: only its own entry goes.
    if (slot?.get(toHex(env.signer)) === oldest) slot.delete(toHex(env.signer))
    this.referenced.get(key)?.delete(oldest)
  }
}
