/**
 * What serving sync may cost a node, against greedy and malformed requesters: requests served
 * at once per peer and in all (the excess is answered `busy`), open sync streams per
 * connection (libp2p resets the excess), and a score penalty for malformed requests. An
 * honest peer is answered throughout. Real nodes over TCP on 127.0.0.1; a `slow` provider
 * holds requests open until the test releases them.
 */
import type { Libp2p, Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUSY, SYNC_PROTOCOL, SyncError, type ChorusNode } from '../../src/p2p/index.js'
import { bytesEqual, decodeCanonical, encodeCanonical, messageId, topicChannel } from '../../src/wire/index.js'
import { startNode, startNodes, stopAll, TEST_CHAIN } from '../utils/nodes.js'
import { waitFor } from '../utils/wait.js'

/** A provider that answers once the test opens the gate. */
class Gate {
  private open: () => void = () => {}
  private opened = Promise.resolve()

  close(): void {
    this.opened = new Promise((resolve) => (this.open = resolve))
  }

  release(): void {
    this.open()
  }

  provider = async (): Promise<Uint8Array[]> => {
    await this.opened
    return [new Uint8Array([1])]
  }
}

/** Send `count` slow requests at once; settle them all. */
function flood(
  from: ChorusNode,
  to: ChorusNode,
  count: number,
): Promise<PromiseSettledResult<(Uint8Array | null)[]>[]> {
  return Promise.allSettled(Array.from({ length: count }, () => from.sync.request(to.peerId, 'slow', null)))
}

/** The libp2p host inside a node (private: only hostile-peer tests reach for it). */
function host(node: ChorusNode): Libp2p {
  return (node as unknown as { libp2p: Libp2p }).libp2p
}

/** Open sync streams from `from` to `to` on which `to` has an inbound stream now. */
function syncStreams(from: ChorusNode, to: ChorusNode): Stream[] {
  return host(to)
    .getConnections(host(from).peerId)
    .flatMap((c) => c.streams)
    .filter((s) => s.protocol === SYNC_PROTOCOL)
}

function refusals(results: PromiseSettledResult<unknown>[]): Error[] {
  return results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error)
}

describe('sync serving limits', () => {
  // server: 4 requests per peer, 6 in all, 8 streams per connection.
  // narrow: libp2p's stream cap (3 per connection) below its own per-peer cap.
  let server: ChorusNode, narrow: ChorusNode, greedy: ChorusNode, second: ChorusNode, honest: ChorusNode
  let stored: Uint8Array
  const gate = new Gate()

  beforeAll(async () => {
    ;[server, narrow] = await Promise.all([
      startNode({
        sync: { maxConcurrentPerPeer: 4, maxConcurrentRequests: 6, maxInboundStreams: 8, maxFrameBytes: 64 * 1024 },
      }),
      startNode({ sync: { maxConcurrentPerPeer: 100, maxConcurrentRequests: 100, maxInboundStreams: 3 } }),
    ])
    ;[greedy, second, honest] = await startNodes(3)
    for (const node of [server, narrow]) node.sync.provide('slow', gate.provider)
    ;({ id: stored } = await server.publish({
      type: 'inference',
      chainId: TEST_CHAIN,
      topicId: 'limits',
      epoch: 1,
      nonce: new Uint8Array(0),
      payload: { value: 1 },
    }))
    // narrow holds the same message, so an honest peer refused by server can ask it instead.
    const bytes = server.storedMessage(stored)!
    narrow.sync.provide('messages', (query) =>
      (query as Uint8Array[]).map((id) => (bytesEqual(id, stored) ? bytes : null)),
    )
    for (const client of [greedy, second, honest]) {
      await client.dial(server.multiaddrs()[0])
      await client.dial(narrow.multiaddrs()[0])
    }
  })
  afterAll(async () => {
    gate.release()
    await stopAll([server, narrow, greedy, second, honest])
  })

  async function honestFetch(from: ChorusNode = server): Promise<void> {
    const [found] = await honest.sync.fetchMessages(from.peerId, [stored])
    expect(messageId(found!)).toEqual(stored)
  }

  /** What the consensus layer does: ask each peer in turn until one answers. */
  async function fetchFromAny(peers: readonly ChorusNode[]): Promise<{ from: ChorusNode; failed: Error[] }> {
    const failed: Error[] = []
    for (const peer of peers) {
      try {
        const [found] = await honest.sync.fetchMessages(peer.peerId, [stored])
        expect(messageId(found!)).toEqual(stored)
        return { from: peer, failed }
      } catch (err) {
        failed.push(err as Error)
      }
    }
    throw new Error(`no peer answered: ${failed.map((e) => e.message).join('; ')}`)
  }

  it('answers a peer over its cap `busy`, unread, and keeps answering an honest peer; refusals leak no stream', async () => {
    // Three rounds on one connection: refusal streams that stayed open would reach
    // libp2p's cap of 8 streams in the second round and turn refusals into resets.
    for (let round = 1; round <= 3; round++) {
      gate.close()
      const results = flood(greedy, server, 7)
      await waitFor(
        () => server.sync.counters.get('served:peer-busy') === 3 * round && server.sync.admission.inFlight === 4,
        `round ${round}: 4 served, 3 refused`,
      )
      await honestFetch()
      gate.release()
      const settled = await results
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(4)
      const refused = refusals(settled)
      expect(refused).toHaveLength(3)
      for (const err of refused) {
        expect(err).toBeInstanceOf(SyncError)
        expect(err.message).toMatch(/refused: busy/)
      }
    }
    expect(server.sync.counters.get('served:busy')).toBe(0)
    expect(greedy.sync.counters.get('requested:failed')).toBe(9)
  })

  it('closes a refused stream even when the requester never closes its side', async () => {
    gate.close()
    const held = flood(greedy, server, 4)
    await waitFor(() => server.sync.admission.inFlight === 4, '4 requests in flight')
    let hangUp!: () => void
    const never = new Promise<void>((resolve) => (hangUp = resolve))
    const frame = lp.encode.single(encodeCanonical({ kind: 'messages', query: [] })).subarray()
    // More refused requests than libp2p's 8 streams per connection leave room for (4 held):
    // each must be closed by the server for the next one to be negotiated, not reset.
    for (let i = 0; i < 6; i++) {
      const stream = await host(greedy).dialProtocol(host(server).peerId, SYNC_PROTOCOL)
      void stream
        .sink(
          (async function* () {
            yield frame
            await never
          })(),
        )
        .catch(() => {})
      let answer: unknown
      for await (const f of lp.decode(stream.source)) {
        answer = decodeCanonical(f.subarray())
        break
      }
      expect(answer).toEqual({ error: BUSY })
    }
    await waitFor(() => syncStreams(greedy, server).length === 4, 'only the 4 held streams open on the server')
    hangUp()
    gate.release()
    expect(refusals(await held)).toHaveLength(0)
  })

  it('answers everyone `busy` while it serves its global cap, and again once requests finish', async () => {
    gate.close()
    const held = [flood(greedy, server, 4), flood(second, server, 2)]
    await waitFor(() => server.sync.admission.inFlight === 6, '6 requests in flight')
    const failedBefore = honest.sync.counters.get('requested:failed')
    // A busy answer is a failed request like any other: the caller asks another peer.
    const { from, failed } = await fetchFromAny([server, narrow])
    expect(from).toBe(narrow)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toBeInstanceOf(SyncError)
    expect(failed[0].message).toMatch(/refused: busy/)
    expect(honest.sync.counters.get('requested:failed')).toBe(failedBefore + 1)
    expect(server.sync.counters.get('served:busy')).toBe(1)
    gate.release()
    for (const settled of await Promise.all(held)) expect(refusals(settled)).toHaveLength(0)
    expect(server.sync.admission.inFlight).toBe(0)
    await honestFetch()
  })

  it('lets libp2p reset sync streams over the per-connection cap before they reach the handler', async () => {
    const servedBefore = narrow.sync.counters.get('served:ok')
    gate.close()
    const results = flood(greedy, narrow, 5)
    await waitFor(() => narrow.sync.admission.inFlight === 3, '3 requests in flight')
    await honestFetch(narrow)
    gate.release()
    const settled = await results
    const refused = refusals(settled)
    expect(refused).toHaveLength(2)
    for (const err of refused) {
      expect(err).toBeInstanceOf(SyncError)
      expect(err.message).not.toMatch(/busy/)
    }
    expect(narrow.sync.counters.get('served:busy') + narrow.sync.counters.get('served:peer-busy')).toBe(0)
    expect(narrow.sync.counters.get('served:ok')).toBe(servedBefore + 3 + 1)
  })

  it('counts malformed requests and lowers the sender’s gossipsub score, not an honest one’s', async () => {
    // Gossipsub scores only peers it knows: wait until it has seen the sender subscribe.
    const channel = topicChannel('limits', 'inferences')
    for (const node of [server, greedy, honest]) node.subscribe(channel, () => {})
    await waitFor(
      () => server.subscribers(channel).includes(greedy.peerId) && server.subscribers(channel).includes(honest.peerId),
      'server knows both peers',
    )
    const before = server.sync.counters.get('served:malformed')
    await expect(greedy.sync.requestRaw(server.peerId, new Uint8Array([0xde, 0xad]))).rejects.toThrow(
      /malformed request/,
    )
    // Over the server's 64 KiB frame limit: reset, no answer.
    await expect(greedy.sync.requestRaw(server.peerId, new Uint8Array(65 * 1024))).rejects.toThrow()
    await waitFor(() => server.sync.counters.get('served:malformed') === before + 2, 'two malformed requests counted')
    await waitFor(() => server.peerScore(greedy.peerId) < 0, 'greedy peer penalised')
    await honestFetch()
    expect(server.peerScore(honest.peerId)).toBeGreaterThanOrEqual(0)
  })
})
