import { describe, expect, it } from 'vitest'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import {
  encodeEnvelope,
  messageId,
  signEnvelope,
  toHex,
  type Envelope,
  type UnsignedEnvelope,
} from '../../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'

const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
const make = (who: NodeIdentity, u: Partial<UnsignedEnvelope>): { id: string; env: Envelope; bytes: Uint8Array } => {
  const env = signEnvelope(
    {
      type: 'inference',
      chainId: 'c',
      topicId: 't',
      epoch: 1,
      nonce: new Uint8Array(0),
      payload: { value: 1 },
      ...u,
    } as UnsignedEnvelope,
    who.secretKey,
    who.publicKey,
  )
  const bytes = encodeEnvelope(env)
  return { id: toHex(messageId(bytes)), env, bytes }
}

describe('MessagePool', () => {
  it('keeps the first message of a signer per (type, topic, epoch), lists ids ascending', () => {
    const pool = new MessagePool()
    const a1 = make(alice, { payload: { value: 1 } })
    const a2 = make(alice, { payload: { value: 2 } })
    const b1 = make(bob, { payload: { value: 3 } })
    for (const m of [a1, a2, b1]) pool.add(m.id, m.env, m.bytes)
    expect(pool.ids('inference', 't', 1)).toEqual([a1.id, b1.id].sort())
    expect(pool.get(a2.id)).toBeUndefined()
    // A block that names a2 wins over arrival order.
    pool.addReferenced(a2.id, a2.env, a2.bytes)
    expect(pool.get(a2.id)?.payload).toEqual({ value: 2 })
  })

  it('prunes old epochs and drops committed transactions, and stays within its capacity', () => {
    const pool = new MessagePool(3)
    const old = make(alice, { epoch: 0 })
    const cur = make(alice, { epoch: 5 })
    pool.add(old.id, old.env, old.bytes)
    pool.add(cur.id, cur.env, cur.bytes)
    pool.prune('t', 5)
    expect(pool.get(old.id)).toBeUndefined()
    expect(pool.get(cur.id)).toBeDefined()
    for (const n of [6, 7, 8]) {
      const m = make(alice, { epoch: n })
      pool.add(m.id, m.env, m.bytes)
    }
    // Capacity 3: the oldest entries went first.
    expect(pool.get(cur.id)).toBeUndefined()
    const txs = [0, 1, 2].map((n) =>
      make(bob, {
        type: 'tx',
        topicId: '',
        payload: { kind: 'transfer', accountNonce: n, body: {} },
      } as Partial<UnsignedEnvelope>),
    )
    for (const t of txs) pool.add(t.id, t.env, t.bytes)
    expect(pool.pendingTxs(10).map((t) => t.id)).toEqual(txs.map((t) => t.id))
    pool.dropTxs(new Set([txs[1].id]))
    expect(pool.pendingTxs(10).map((t) => t.id)).toEqual([txs[0].id, txs[2].id])
  })

  it("prunes messages kept by reference with their epoch, and evicting one leaves its signer's slot alone", () => {
    const pool = new MessagePool(3)
    const slotted = make(alice, { epoch: 2, payload: { value: 1 } })
    const named = make(alice, { epoch: 2, payload: { value: 2 } })
    pool.add(slotted.id, slotted.env, slotted.bytes)
    pool.addReferenced(named.id, named.env, named.bytes)
    pool.prune('t', 3)
    expect(pool.get(named.id)).toBeUndefined()
    expect(pool.get(slotted.id)).toBeUndefined()
    // Capacity 3: the referenced message is the oldest and goes; the slot still lists its own.
    const first = make(bob, { epoch: 4, payload: { value: 5 } })
    const other = make(bob, { epoch: 4, payload: { value: 6 } })
    pool.addReferenced(other.id, other.env, other.bytes)
    pool.add(first.id, first.env, first.bytes)
    for (const n of [7, 8]) {
      const m = make(alice, { epoch: n })
      pool.add(m.id, m.env, m.bytes)
    }
    expect(pool.get(other.id)).toBeUndefined()
    expect(pool.ids('inference', 't', 4)).toEqual([first.id])
  })

  it('bounds pending transactions on their own: a flood of txs pushes out older txs, never topic messages', () => {
    const pool = new MessagePool(3, 4)
    const inference = make(alice, { epoch: 5 })
    pool.add(inference.id, inference.env, inference.bytes)
    const txs = Array.from({ length: 10 }, (_, n) =>
      make(bob, {
        type: 'tx',
        topicId: '',
        payload: { kind: 'transfer', accountNonce: n, body: {} },
      } as Partial<UnsignedEnvelope>),
    )
    for (const t of txs) pool.add(t.id, t.env, t.bytes)
    expect(pool.get(inference.id)).toBeDefined()
    expect(pool.ids('inference', 't', 5)).toEqual([inference.id])
    expect(pool.pendingTxs(100).map((t) => t.id)).toEqual(txs.slice(6).map((t) => t.id))
    expect(pool.get(txs[0].id)).toBeUndefined()
    expect(pool.bytes(txs[9].id)).toEqual(txs[9].bytes)
    pool.dropTxs([txs[7].id])
    expect(pool.pendingTxs(2).map((t) => t.id)).toEqual([txs[6].id, txs[8].id])
  })
})
