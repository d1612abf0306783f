/** Gossip helpers shared by the benchmarks: a cluster of bare nodes, sequential publish latencies. */
import { ChorusNode, LOOPBACK_TUNING, type ChorusNodeOptions } from '../src/p2p/index.js'
import { encodeEnvelope, signEnvelope, topicChannel } from '../src/wire/index.js'

const CHAIN = 'bench-chain'
const TOPIC = 'bench'
export const channel = topicChannel(TOPIC, 'inferences')

export async function startCluster(count: number, extra: Partial<ChorusNodeOptions> = {}): Promise<ChorusNode[]> {
  return Promise.all(
    Array.from({ length: count }, () => ChorusNode.create({ chainId: CHAIN, ...LOOPBACK_TUNING, ...extra })),
  )
}

export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Sequential publishes from `publisher`; per receiver index, the delivery latency of each message. */
export async function latencies(
  nodes: ChorusNode[],
  publisher: number,
  samples: number,
): Promise<Map<number, number[]>> {
  const seen = new Map<number, number[]>()
  let sentAt = 0
  let pending = 0
  nodes[publisher].subscribe(channel, () => {})
  nodes.forEach((node, i) => {
    if (i === publisher) return
    seen.set(i, [])
    node.subscribe(channel, () => {
      seen.get(i)!.push(performance.now() - sentAt)
      pending--
    })
  })
  await until(() => nodes.every((n) => n.meshPeers(channel).length > 0), 'mesh')
  await until(() => nodes[publisher].subscribers(channel).length > 0, 'subscribers')
  // Signed up front: the figure is the gossip path (publish → validated delivery), not signing.
  const { identity } = nodes[publisher]
  const messages = Array.from({ length: samples + 10 }, (_, k) =>
    encodeEnvelope(
      signEnvelope(
        {
          type: 'inference',
          chainId: CHAIN,
          topicId: TOPIC,
          epoch: k,
          nonce: new Uint8Array(0),
          payload: { value: k },
        },
        identity.secretKey,
        identity.publicKey,
      ),
    ),
  )
  for (let k = 0; k < messages.length; k++) {
    pending = nodes.length - 1
    sentAt = performance.now()
    await nodes[publisher].publishRaw(channel, messages[k])
    await until(() => pending === 0, `delivery of message ${k}`)
  }
  for (const list of seen.values()) list.splice(0, 10) // warm-up
  return seen
}
