/**
 * Hostile peers a chaos run lets loose on the network: a Sybil burst (unstaked peers that join
 * and publish signed inferences and forecasts every epoch) and a flooder of messages the
 * network only ignores (stale epochs, transactions of unknown accounts). Each is a real libp2p
 * node dialling the cluster; `stop` ends it.
 */
import { ChorusNode, LOOPBACK_TUNING } from '../p2p/index.js'
import { ignoredFlood } from '../adversary/ignored-flood.js'
import { Prng } from '../roles/prng.js'

export interface HostileTarget {
  readonly chainId: string
  readonly topicId: string
  readonly genesisMs: number
  readonly epochMs: number
  bootstrap(): string[]
}

export interface Hostile {
  stop(): Promise<void>
}

async function hostileNode(target: HostileTarget): Promise<ChorusNode> {
  const node = await ChorusNode.create({ chainId: target.chainId, ...LOOPBACK_TUNING })
  const addrs = target.bootstrap()
  // One reachable peer is enough to be in the mesh; a peer that is down is skipped.
  const dialled = await Promise.allSettled(addrs.slice(0, 3).map((a) => node.dial(a)))
  if (dialled.every((d) => d.status === 'rejected')) {
    await node.stop()
    throw new Error('a hostile peer could not dial any node of the cluster')
  }
  return node
}

/** `count` unstaked peers publishing an inference and a forecast each epoch. */
export async function sybilBurst(target: HostileTarget, count: number, seed: number): Promise<Hostile> {
  const nodes: ChorusNode[] = []
  try {
    for (let i = 0; i < count; i++) nodes.push(await hostileNode(target))
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw err
  }
  const rng = new Prng('chorus-sybil', seed)
  let stopped = false
  const tick = async (): Promise<void> => {
    const epoch = Math.floor((Date.now() - target.genesisMs) / target.epochMs)
    if (epoch < 0) return
    const base = { chainId: target.chainId, topicId: target.topicId, epoch, nonce: new Uint8Array(0) }
    for (const n of nodes) {
      if (stopped) return
      const value = rng.uniform(-10, 10)
      await n.publish({ ...base, type: 'inference', payload: { value } }).catch(() => undefined)
    }
  }
  void tick()
  const timer = setInterval(() => void tick(), target.epochMs)
  return {
    stop: async () => {
      stopped = true
      clearInterval(timer)
      await Promise.all(nodes.map((n) => n.stop()))
    },
  }
}

/**
 * A peer flooding messages the network only ignores (stale-epoch inferences and transfers of
 * unknown accounts, src/adversary/ignored-flood.ts) at `ratePerSecond`: the honest nodes' ignore
 * budget must cut it off.
 */
export async function ignoredFloodPeer(target: HostileTarget, ratePerSecond: number, seed: number): Promise<Hostile> {
  const node = await hostileNode(target)
  const stop = new AbortController()
  const flood = ignoredFlood(
    async (channel, bytes) => {
      // Cut off by the network (the ignore budget's disconnect): nothing to send to. In the
      // cluster's own process, forging on would only steal the nodes' CPU, which no remote
      // attacker could do.
      if (node.connectedPeers().length === 0) return
      await node.publishRaw(channel, bytes)
    },
    { chainId: target.chainId, topicId: target.topicId, staleEpoch: 0, seed, ratePerSecond, signal: stop.signal },
  ).catch(() => undefined) // the node was cut off or stopped: the flood is over
  return {
    stop: async () => {
      stop.abort()
      await flood
      await node.stop()
    },
  }
}
