/**
 * The network fault layer between real Chorus nodes over TCP on 127.0.0.1: latency delays
 * delivery, a bandwidth cap slows a large message, loss drops gossip frames, and a cut stops
 * a link both ways until it heals. Bounds are lower bounds only (a loaded machine is slower,
 * never faster).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type ChorusNode, type DeliveredMessage, NetworkFaults } from '../../src/p2p/index.js'
import { topicChannel } from '../../src/wire/index.js'
import { startNode, stopAll, TEST_CHAIN } from '../utils/nodes.js'
import { nextEvent, waitFor } from '../utils/wait.js'

const TOPIC = 'faults'
const channel = topicChannel(TOPIC, 'inferences')

interface Member {
  readonly node: ChorusNode
  readonly faults: NetworkFaults
  readonly received: DeliveredMessage[]
}

let running: ChorusNode[] = []

afterEach(async () => {
  await stopAll(running)
  running = []
})

async function member(seed: number): Promise<Member> {
  const faults = new NetworkFaults({ seed })
  const node = await startNode({ faults })
  running.push(node)
  const received: DeliveredMessage[] = []
  node.subscribe(channel, (m) => received.push(m))
  return { node, faults, received }
}

/** Two connected members, each in the other's mesh. */
async function pair(): Promise<[Member, Member]> {
  const a = await member(1)
  const b = await member(2)
  await a.node.dial(b.node.multiaddrs()[0])
  await waitFor(
    () => a.node.meshPeers(channel).includes(b.node.peerId) && b.node.meshPeers(channel).includes(a.node.peerId),
    'a and b in each other’s mesh',
  )
  return [a, b]
}

let epoch = 0

/** Publish an inference; resolves when `to` delivers it, with the time it took. */
async function timedDelivery(from: Member, to: Member): Promise<number> {
  const e = ++epoch
  const delivered = nextEvent(to.node.events, 'validation', (v) => v.envelope?.epoch === e && v.action === 'accept')
  const start = performance.now()
  await from.node.publish({
    type: 'inference',
    chainId: TEST_CHAIN,
    topicId: TOPIC,
    epoch: e,
    nonce: new Uint8Array(0),
    payload: { value: e },
  })
  await delivered
  return performance.now() - start
}

describe('network fault layer between real nodes', () => {
  it('latency on a link delays what its node sends, not what it receives', async () => {
    const [a, b] = await pair()
    a.faults.setLink(b.node.peerId, { latencyMs: 300, jitterMs: 50 })
    // Jitter never lowers a chunk's latency below latency − jitter.
    expect(await timedDelivery(a, b)).toBeGreaterThanOrEqual(250 - 1)
    expect(a.faults.stats().chunksDelayed).toBeGreaterThan(0)
    // b's side has no conditions: nothing it sends is held back.
    await timedDelivery(b, a)
    expect(b.faults.stats().chunksDelayed).toBe(0)
  })

  it('a default condition applies to every peer; a peer’s own conditions win over it', async () => {
    const [a, b] = await pair()
    a.faults.apply({ op: 'link', conditions: { latencyMs: 200 } })
    expect(await timedDelivery(a, b)).toBeGreaterThanOrEqual(200 - 1)
    a.faults.apply({ op: 'link', peer: b.node.peerId, conditions: { latencyMs: 400 } })
    expect(await timedDelivery(a, b)).toBeGreaterThanOrEqual(400 - 1)
    a.faults.apply({ op: 'clear' })
    const delayed = a.faults.stats().chunksDelayed
    await timedDelivery(a, b)
    expect(a.faults.stats().chunksDelayed).toBe(delayed)
  })

  it('a bandwidth cap slows a large message to its size over the cap', async () => {
    const [a, b] = await pair()
    const cap = 256 * 1024
    a.faults.setLink(b.node.peerId, { bandwidthBytesPerSec: cap })
    // Bytes that are no envelope: b's validator turns them down, which tells when they arrived.
    const bytes = new Uint8Array(256 * 1024).fill(7)
    const arrived = nextEvent(b.node.events, 'validation', (v) => v.from === a.node.peerId && v.action === 'reject')
    const start = performance.now()
    await a.node.publishRaw(channel, bytes)
    await arrived
    expect(performance.now() - start).toBeGreaterThanOrEqual((bytes.length * 1000) / cap - 1)
  })

  it('loss drops whole gossip frames, which the counters report', async () => {
    const [a, b] = await pair()
    a.faults.setLink(b.node.peerId, { loss: 0.5 })
    const published = 40
    for (let i = 0; i < published; i++) {
      await a.node.publish({
        type: 'inference',
        chainId: TEST_CHAIN,
        topicId: TOPIC,
        epoch: 1000 + i,
        nonce: new Uint8Array(0),
        payload: { value: i },
      })
    }
    // A marker after the loss is off: once b has it, every frame before it has come or is lost.
    a.faults.setLink(b.node.peerId, null)
    await a.node.publish({
      type: 'inference',
      chainId: TEST_CHAIN,
      topicId: TOPIC,
      epoch: 2000,
      nonce: new Uint8Array(0),
      payload: { value: -1 },
    })
    await waitFor(() => b.received.some((m) => m.envelope.epoch === 2000), 'the marker at b')
    const stats = a.faults.stats()
    const got = b.received.filter((m) => m.envelope.epoch >= 1000 && m.envelope.epoch < 2000).length
    expect(stats.framesDropped).toBeGreaterThan(0)
    expect(stats.framesSeen).toBeGreaterThanOrEqual(published)
    expect(got).toBeGreaterThan(0)
    expect(got).toBeLessThan(published)
  })

  it('duplicated and reordered frames reach the peer, which delivers each message once', async () => {
    const [a, b] = await pair()
    a.faults.setLink(b.node.peerId, { duplicate: 1, reorder: 0.5 })
    const published = 20
    for (let i = 0; i < published; i++) {
      await a.node.publish({
        type: 'inference',
        chainId: TEST_CHAIN,
        topicId: TOPIC,
        epoch: 4000 + i,
        nonce: new Uint8Array(0),
        payload: { value: i },
      })
    }
    await waitFor(() => new Set(b.received.map((m) => m.envelope.epoch)).size === published, 'every message at b')
    expect(b.received).toHaveLength(published)
    expect(a.faults.stats().framesDuplicated).toBeGreaterThanOrEqual(published)
    expect(a.faults.stats().framesReordered).toBeGreaterThan(0)
  })

  it('a cut closes the link and refuses it both ways; a heal redials it and delivery resumes', async () => {
    const [a, b] = await pair()
    a.faults.cut([b.node.peerId])
    await waitFor(
      () => !a.node.connectedPeers().includes(b.node.peerId) && !b.node.connectedPeers().includes(a.node.peerId),
      'a and b disconnected',
    )
    expect(a.faults.stats().connectionsCut).toBeGreaterThan(0)
    // Only a has cut b, yet neither can reach the other: a refuses its own dial at once, and
    // b's once the handshake names b (b may see its dial succeed before a closes it).
    await expect(a.node.dial(b.node.multiaddrs()[0])).rejects.toThrow()
    expect(a.faults.stats().dialsRefused).toBeGreaterThan(0)
    await b.node.dial(a.node.multiaddrs()[0]).catch(() => {})
    await waitFor(() => a.faults.stats().connectionsRefused > 0, 'b refused by a')
    await waitFor(() => !b.node.connectedPeers().includes(a.node.peerId), 'b without a connection to a')
    await waitFor(
      () => a.node.subscribers(channel).length === 0 && b.node.subscribers(channel).length === 0,
      'no subscribers left',
    )
    const sent = await a.node.publish({
      type: 'inference',
      chainId: TEST_CHAIN,
      topicId: TOPIC,
      epoch: 3000,
      nonce: new Uint8Array(0),
      payload: { value: 0 },
    })
    expect(sent.recipients).toBe(0)

    a.faults.heal([b.node.peerId])
    expect(a.faults.stats().redials).toBe(1)
    await waitFor(
      () => a.node.meshPeers(channel).includes(b.node.peerId) && b.node.meshPeers(channel).includes(a.node.peerId),
      'the mesh formed again',
    )
    await timedDelivery(a, b)
    await timedDelivery(b, a)
  })
})
