import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topicChannel, toHex } from '../../src/wire/index.js'
import type { ChorusNode, DeliveredMessage } from '../../src/p2p/index.js'
import { connectLine, startNodes, stopAll, TEST_CHAIN, waitForLineMesh } from '../utils/nodes.js'
import { waitFor } from '../utils/wait.js'

describe('5 nodes in a line', () => {
  let nodes: ChorusNode[]
  const inferences = topicChannel('eth-5m', 'inferences')
  const forecasts = topicChannel('eth-5m', 'forecasts')
  const received: DeliveredMessage[][] = []

  beforeAll(async () => {
    nodes = await startNodes(5)
    // Nodes 0..4 subscribe to inferences; only 0..2 to forecasts (gossipsub relays only
    // through subscribers, so the forecast subscribers are a contiguous part of the line).
    nodes.forEach((node, i) => {
      received[i] = []
      node.subscribe(inferences, (m) => received[i].push(m))
      if (i <= 2) node.subscribe(forecasts, (m) => received[i].push(m))
    })
    await connectLine(nodes)
    await waitForLineMesh(nodes, inferences)
  })

  afterAll(() => stopAll(nodes))

  it('delivers every message on a subscribed channel to every subscriber, and none elsewhere', async () => {
    const published: string[] = []
    for (let e = 0; e < 10; e++) {
      const from = nodes[e % 5]
      const { id } = await from.publish({
        type: 'inference',
        chainId: TEST_CHAIN,
        topicId: 'eth-5m',
        epoch: e,
        nonce: new Uint8Array(32),
        payload: { value: 1000 + e },
      })
      published.push(toHex(id))
    }
    // Each message reaches the 4 nodes that did not publish it.
    await waitFor(() => received.every((r) => r.length === 8), 'all inferences delivered')
    received.forEach((list, i) => {
      const ids = list.map((m) => toHex(m.id)).sort()
      const expected = published.filter((_, e) => e % 5 !== i).sort()
      expect(ids).toEqual(expected)
      expect(list.every((m) => m.channel === inferences && m.envelope.type === 'inference')).toBe(true)
    })
  })

  it('does not deliver on channels a node did not subscribe to', async () => {
    await waitForLineMesh(nodes.slice(0, 3), forecasts)
    const before = received.map((r) => r.length)
    const { id } = await nodes[0].publish({
      type: 'forecast',
      chainId: TEST_CHAIN,
      topicId: 'eth-5m',
      epoch: 3,
      nonce: new Uint8Array(0),
      payload: { losses: { [nodes[1].participantId]: -2.5 } },
    })
    await waitFor(() => received[1].length > before[1] && received[2].length > before[2], 'forecast at nodes 1 and 2')
    for (const i of [1, 2]) {
      expect(toHex(received[i].at(-1)!.id)).toBe(toHex(id))
      expect(received[i].at(-1)!.envelope.payload).toEqual({ losses: { [nodes[1].participantId]: -2.5 } })
    }
    // A later inference from node 0 reaches 3 and 4 over the same links: by then the forecast
    // would have arrived too had it been forwarded to them.
    await nodes[0].publish({
      type: 'inference',
      chainId: TEST_CHAIN,
      topicId: 'eth-5m',
      epoch: 99,
      nonce: new Uint8Array(0),
      payload: { value: 1 },
    })
    await waitFor(
      () => received[4].length === before[4] + 1 && received[3].length === before[3] + 1,
      'inference at 3 and 4',
    )
    expect(received[3].at(-1)!.envelope.type).toBe('inference')
    expect(received[4].at(-1)!.envelope.type).toBe('inference')
    expect(received[0].length).toBe(before[0]) // the publisher does not receive its own message
  })
})
