/**
 * What one delivery costs (issue: the network at the speed of the machine). N nodes in one
 * process on loopback, each dialling DEGREE earlier ones (a connected random graph), all
 * subscribed to one channel; PUBLISHERS of them publish MESSAGES messages in all at RATE a
 * second. Per stack, over the load window (first publish to last delivery): the process's CPU
 * time per delivered (message, node) pair, the delivery ratio, and the latency of each
 * delivery; before it, what the idle network costs per node and second. (a) the stock stack built in the same run: libp2p 2 with TCP, noise, yamux,
 * identify and gossipsub 14 with its default options (it signs and verifies every message
 * with the peer key); (b) Chorus's node as a local cluster runs it (signed envelopes checked
 * by the validator, LOOPBACK_TUNING). Same topology, same load, same process, one after the
 * other.
 */
import '../src/polyfills.js'
import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { ChorusNode, LOOPBACK_TUNING, type ChorusNodeOptions } from '../src/p2p/index.js'
import { Prng } from '../src/roles/prng.js'
import { encodeEnvelope, signEnvelope, topicChannel } from '../src/wire/index.js'
import { medianOf, percentile, type BenchRow, type BenchSuite } from './lib.js'

const SIZES = (process.env.CHORUS_DELIVERY_SIZES ?? '20,50,100,200').split(',').map(Number)
const DEGREE = 3
const PUBLISHERS = 4
const MESSAGES = 100
const RATE = 20
const DRAIN_MS = 60_000
const CHAIN = 'bench-delivery'
const CHANNEL = topicChannel('bench', 'inferences')
const PAYLOAD_BYTES = 160
const IDLE_MS = 3000

export interface Stack {
  readonly name: string
  /** Start N nodes; returns their handles. */
  start(n: number): Promise<StackNode[]>
}

interface StackNode {
  address(): string
  dial(address: string): Promise<void>
  /** Call `deliver` with the message's sequence number for each message this node receives. */
  subscribe(deliver: (seq: number) => void): void
  ready(): boolean
  /** Prepare message `seq` (signing, encoding: not timed) and return its sender. */
  prepare(seq: number): () => Promise<void>
  stop(): Promise<void>
}

/** Sequence number and send time travel in the payload's first 12 bytes. */
function payloadOf(seq: number): Uint8Array {
  const bytes = new Uint8Array(PAYLOAD_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, seq)
  return bytes
}

export const stock: Stack = {
  name: 'stock libp2p + gossipsub',
  async start(n) {
    return Promise.all(
      Array.from({ length: n }, async (): Promise<StackNode> => {
        const node = await createLibp2p({
          addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
          transports: [tcp()],
          connectionEncrypters: [noise()],
          streamMuxers: [yamux()],
          services: { identify: identify(), pubsub: gossipsub() },
        })
        // The concrete service: its mesh is what `ready` waits for.
        const pubsub = node.services.pubsub as unknown as GossipSub
        return {
          address: () => node.getMultiaddrs()[0].toString(),
          dial: async (address) => {
            await node.dial(multiaddr(address))
          },
          subscribe: (deliver) => {
            pubsub.subscribe(CHANNEL)
            pubsub.addEventListener('message', (e) => {
              if (e.detail.topic === CHANNEL)
                deliver(new DataView(e.detail.data.buffer, e.detail.data.byteOffset).getUint32(0))
            })
          },
          ready: () => pubsub.getMeshPeers(CHANNEL).length > 0,
          prepare: (seq) => {
            const data = payloadOf(seq)
            return async () => {
              await pubsub.publish(CHANNEL, data)
            }
          },
          stop: async () => {
            await node.stop()
          },
        }
      }),
    )
  },
}

/** Chorus's node with `options` over the local cluster's (LOOPBACK_TUNING). */
export function chorusWith(options: Partial<ChorusNodeOptions> = {}, name = "Chorus's node"): Stack {
  return {
    name,
    start: (n) =>
      Promise.all(
        Array.from({ length: n }, async (): Promise<StackNode> => {
          const node = await ChorusNode.create({ chainId: CHAIN, ...LOOPBACK_TUNING, ...options })
          return {
            address: () => node.multiaddrs()[0],
            dial: (address) => node.dial(address),
            subscribe: (deliver) =>
              node.subscribe(CHANNEL, (m) => deliver((m.envelope.payload as { value: number }).value)),
            ready: () => node.meshPeers(CHANNEL).length > 0,
            prepare: (seq) => {
              const bytes = encodeEnvelope(
                signEnvelope(
                  {
                    type: 'inference',
                    chainId: CHAIN,
                    topicId: 'bench',
                    epoch: seq,
                    nonce: new Uint8Array(0),
                    payload: { value: seq },
                  },
                  node.identity.secretKey,
                  node.identity.publicKey,
                ),
              )
              return async () => {
                await node.publishRaw(CHANNEL, bytes)
              }
            },
            stop: () => node.stop(),
          }
        }),
      ),
  }
}

export const chorus = chorusWith()

interface Measured {
  readonly cpuMsPerDelivery: number
  readonly deliveryRatio: number
  readonly latencyMs: number[]
  /** CPU of the idle network (mesh formed, nothing published), per node and second. */
  readonly idleCpuMsPerNodeSecond: number
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}

/** Called around the load window (a profiler, for one). */
export interface WindowHooks {
  start(): Promise<void>
  stop(): Promise<void>
}

export async function measure(stack: Stack, n: number, window?: WindowHooks): Promise<Measured> {
  const nodes = await stack.start(n)
  try {
    // The same graph for both stacks: node i dials DEGREE earlier nodes, one dial at a time.
    const prng = new Prng('delivery-cost', String(n))
    for (let i = 1; i < n; i++) {
      const targets = new Set<number>([i - 1])
      while (targets.size < Math.min(DEGREE, i)) targets.add(prng.int(0, i - 1))
      for (const j of targets)
        for (let attempt = 0; attempt < 5; attempt++) {
          try {
            await nodes[i].dial(nodes[j].address())
            break
          } catch {
            await new Promise((r) => setTimeout(r, 200))
          }
        }
    }
    const sentAt = new Map<number, number>()
    const latencyMs: number[] = []
    let delivered = 0
    nodes.forEach((node) =>
      node.subscribe((seq) => {
        const t = sentAt.get(seq)
        if (t === undefined) return
        delivered++
        latencyMs.push(performance.now() - t)
      }),
    )
    const meshWaitMs = 30_000 + 300 * n
    if (!(await waitUntil(() => nodes.every((x) => x.ready()), meshWaitMs)))
      throw new Error(`${stack.name}: no mesh on every node of ${n} after ${meshWaitMs / 1000} s`)
    // A settled mesh: a few heartbeats more; then what the idle network costs.
    await new Promise((r) => setTimeout(r, 1500))
    const idle0 = process.cpuUsage()
    const idleStart = performance.now()
    await new Promise((r) => setTimeout(r, IDLE_MS))
    const idle = process.cpuUsage(idle0)
    const idleCpuMsPerNodeSecond = (idle.user + idle.system) / 1000 / n / ((performance.now() - idleStart) / 1000)
    const publishers = Array.from({ length: PUBLISHERS }, (_, k) => Math.floor((k * n) / PUBLISHERS))
    const sends = Array.from({ length: MESSAGES }, (_, seq) => nodes[publishers[seq % PUBLISHERS]].prepare(seq))
    const expected = MESSAGES * (n - 1)
    await window?.start()
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    for (let seq = 0; seq < MESSAGES; seq++) {
      const due = start + (seq * 1000) / RATE
      const wait = due - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      sentAt.set(seq, performance.now())
      await sends[seq]()
    }
    await waitUntil(() => delivered >= expected, DRAIN_MS)
    const cpu = process.cpuUsage(cpu0)
    await window?.stop()
    const cpuMs = (cpu.user + cpu.system) / 1000
    return {
      cpuMsPerDelivery: cpuMs / Math.max(1, delivered),
      deliveryRatio: delivered / expected,
      latencyMs,
      idleCpuMsPerNodeSecond,
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
  }
}

export const suite: BenchSuite = {
  name: 'delivery-cost',
  async run() {
    const rows: BenchRow[] = []
    for (const n of SIZES) {
      // A stack that cannot form its mesh at this size is reported as such; the run goes on.
      const attempt = async (stack: Stack): Promise<Measured | string> =>
        measure(stack, n).catch((err: unknown) => (err as Error).message)
      const a = await attempt(stock)
      const b = await attempt(chorus)
      if (typeof a === 'string' || typeof b === 'string') {
        rows.push({
          suite: 'delivery-cost',
          case: `cost per delivery, N=${n}`,
          value: typeof b === 'string' ? Number.NaN : b.cpuMsPerDelivery,
          unit: 'CPU ms',
          baselineName: 'stock libp2p + gossipsub, default options',
          baseline: typeof a === 'string' ? Number.NaN : a.cpuMsPerDelivery,
          ratio: Number.NaN,
          ratioMeaning: 'stock / Chorus (goal >= 10 at N=50)',
          extra: {
            ...(typeof a === 'string' ? { stockError: a } : { stockDelivered: a.deliveryRatio }),
            ...(typeof b === 'string'
              ? { chorusError: b }
              : {
                  chorusDelivered: b.deliveryRatio,
                  chorusLatencyP50: medianOf(b.latencyMs),
                  chorusLatencyP99: percentile(b.latencyMs, 99),
                  chorusIdleCpuMsPerNodeSecond: b.idleCpuMsPerNodeSecond,
                }),
          },
        })
        continue
      }
      rows.push({
        suite: 'delivery-cost',
        case: `cost per delivery, N=${n}`,
        value: b.cpuMsPerDelivery,
        unit: 'CPU ms',
        baselineName: 'stock libp2p + gossipsub, default options',
        baseline: a.cpuMsPerDelivery,
        ratio: a.cpuMsPerDelivery / b.cpuMsPerDelivery,
        ratioMeaning: 'stock / Chorus (goal >= 10 at N=50)',
        extra: {
          chorusDelivered: b.deliveryRatio,
          stockDelivered: a.deliveryRatio,
          chorusLatencyP50: medianOf(b.latencyMs),
          chorusLatencyP99: percentile(b.latencyMs, 99),
          stockLatencyP50: medianOf(a.latencyMs),
          stockLatencyP99: percentile(a.latencyMs, 99),
          chorusIdleCpuMsPerNodeSecond: b.idleCpuMsPerNodeSecond,
          stockIdleCpuMsPerNodeSecond: a.idleCpuMsPerNodeSecond,
        },
      })
    }
    return rows
  },
}
