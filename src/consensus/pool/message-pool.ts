/**
 * What a coordinator has received and not yet committed: inferences, forecasts and loss
 * bundles by (topic, epoch), and transactions in arrival order. The proposer draws a block's
 * inputs from it; a voter looks up the ids a proposal names. The first message of a signer
 * for a slot wins (the validator already refused later ones), and old epochs are pruned.
 */
import { toHex, type Envelope } from '../../wire/index.js'

interface Pooled {
  readonly envelope: Envelope
  readonly bytes: Uint8Array
}

export class MessagePool {
  /** Topic messages (and whatever a block names), oldest first. */
  private readonly byId = new Map<string, Pooled>()
  /** `type|topic|epoch` → signer → id */
  private readonly bySlot = new Map<string, Map<string, string>>()
  /** `type|topic|epoch` → ids kept by addReferenced outside the slots (pruned with them) */
  private readonly referenced = new Map<string, Set<string>>()
  /**
   * Pending transactions, oldest first, bounded on their own: anyone may gossip a tx (the
   * ledger judges it only in a block), so a flood of them must push out only older txs, never
   * the inferences, forecasts and loss bundles of the epochs being decided.
   */
  private readonly txs = new Map<string, Pooled>()

  /**
   * @param capacity most topic messages kept; the oldest go first @default 200000
   * @param txCapacity most pending transactions kept; the oldest go first @default 10000
   */
  constructor(
    private readonly capacity = 200_000,
    private readonly txCapacity = 10_000,
  ) {}

  /**
   * Pool a message. Returns the id of the message that holds its slot when this one differs
   * from it (the signer equivocated: the two are evidence), else undefined.
   */
  add(id: string, envelope: Envelope, bytes: Uint8Array): string | undefined {
    if (this.byId.has(id) || this.txs.has(id)) return undefined
    if (envelope.type === 'tx') {
      if (this.txs.size >= this.txCapacity) this.txs.delete(this.txs.keys().next().value as string)
      this.txs.set(id, { envelope, bytes })
      return undefined
    }
    const key = `${envelope.type}|${envelope.topicId}|${envelope.epoch}`
    let slot = this.bySlot.get(key)
    if (slot === undefined) {
      slot = new Map()
      this.bySlot.set(key, slot)
    }
    const signer = toHex(envelope.signer)
    const holder = slot.get(signer)
    if (holder !== undefined) return holder
    slot.set(signer, id)
    this.byId.set(id, { envelope, bytes })
    if (this.byId.size > this.capacity) this.evictOldest()
    return undefined
  }

  /**
   * A message a block names, fetched by id: kept even when its signer's slot holds another
   * message (the block, not arrival order, decides which one counts).
   */
  addReferenced(id: string, envelope: Envelope, bytes: Uint8Array): void {
    if (this.byId.has(id) || this.txs.has(id)) return
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
    return (this.byId.get(id) ?? this.txs.get(id))?.envelope
  }

  bytes(id: string): Uint8Array | undefined {
    return (this.byId.get(id) ?? this.txs.get(id))?.bytes
  }

  /** The pooled messages of a type for (topic, epoch), one per signer (hex), ascending by id. */
  submissions(type: Envelope['type'], topicId: string, epoch: number): { id: string; signer: string }[] {
    const slot = this.bySlot.get(`${type}|${topicId}|${epoch}`)
    if (slot === undefined) return []
    return [...slot].map(([signer, id]) => ({ id, signer })).sort((a, b) => (a.id < b.id ? -1 : 1))
  }

  /** Ids (ascending) of the pooled messages of a type for (topic, epoch). */
  ids(type: Envelope['type'], topicId: string, epoch: number): string[] {
    return [...(this.bySlot.get(`${type}|${topicId}|${epoch}`)?.values() ?? [])].sort()
  }

  /** Pending transaction envelopes, oldest first. */
  pendingTxs(limit: number): { id: string; bytes: Uint8Array }[] {
    const out: { id: string; bytes: Uint8Array }[] = []
    for (const [id, { bytes }] of this.txs) {
      if (out.length >= limit) break
      out.push({ id, bytes })
    }
    return out
  }

  /** Forget transactions (committed, or refused by the ledger). */
  dropTxs(ids: Iterable<string>): void {
    for (const id of ids) this.txs.delete(id)
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
    if (env.type === 'tx') return // named by a block, not pending
    const key = `${env.type}|${env.topicId}|${env.epoch}`
    const slot = this.bySlot.get(key)
    // A referenced message may share its signer's slot with another: only its own entry goes.
    if (slot?.get(toHex(env.signer)) === oldest) slot.delete(toHex(env.signer))
    this.referenced.get(key)?.delete(oldest)
  }
}
