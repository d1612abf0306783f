/**
 * Transport figures of issue 2, each beside a baseline measured in the same run:
 * - verify throughput of the validator pipeline vs Node's native ed25519 verify alone;
 * - publish-to-delivery latency (5-node line, 20-node mesh) vs a plain TCP round trip;
 * - one publisher → 10 subscribers, validator on vs validation off;
 * - what a forged message that is ignored costs, vs the payload parsed first (ignored-cost.ts).
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { EnvelopeValidator, generateIdentity, type ChorusNodeOptions } from '../src/p2p/index.js'
import {
  encodeEnvelope,
  signEnvelope,
  signingBytes,
  topicChannel,
  verifyPortable,
  VerifiedMessageCache,
  type Envelope,
} from '../src/wire/index.js'
import { latencies, startCluster, until } from './gossip.js'
import { ignoredCostRows } from './ignored-cost.js'
import { medianOf, percentile, type BenchRow, type BenchSuite } from './lib.js'

const CHAIN = 'bench-chain'
const TOPIC = 'bench'
const channel = topicChannel(TOPIC, 'inferences')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

async function makeEnvelopes(count: number, signers: number): Promise<Envelope[]> {
  const ids = await Promise.all(Array.from({ length: signers }, () => generateIdentity()))
  return Array.from({ length: count }, (_, i) => {
    const id = ids[i % signers]
    return signEnvelope(
      {
        type: 'inference',
        chainId: CHAIN,
        topicId: TOPIC,
        epoch: i,
        nonce: new Uint8Array(32),
        payload: { value: i * 1.5 },
      },
      id.secretKey,
      id.publicKey,
    )
  })
}

async function verifyRows(): Promise<BenchRow[]> {
  const envelopes = await makeEnvelopes(3000, 50)
  const bytes = envelopes.map(encodeEnvelope)
  const signed = envelopes.map((e) => signingBytes(e))
  const keys = envelopes.map((e) =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, e.signer]), format: 'der', type: 'spki' }),
  )
  const parsed = { kind: 'inferences' as const, topicId: TOPIC }
  const runNative = (): void => {
    for (let i = 0; i < envelopes.length; i++)
      if (!nodeVerify(null, signed[i], keys[i], envelopes[i].signature)) throw new Error('bad')
  }
  const runPipeline = (): void => {
    const validator = new EnvelopeValidator({ chainId: CHAIN }) // fresh: no slot is filled yet
    for (const b of bytes) if (validator.validate(parsed, b).action !== 'accept') throw new Error('rejected')
  }
  const nobleCount = 300
  const runNoble = (): void => {
    for (let i = 0; i < nobleCount; i++)
      if (!verifyPortable(envelopes[i].signature, signed[i], envelopes[i].signer)) throw new Error('bad')
  }
  // Interleave rounds (A B A B ...) and take medians: the machine is shared and noisy.
  const rates = { native: [] as number[], pipeline: [] as number[], noble: [] as number[] }
  const timeRate = (fn: () => void, n: number): number => {
    const t0 = performance.now()
    fn()
    return n / ((performance.now() - t0) / 1000)
  }
  runNative()
  runPipeline()
  for (let round = 0; round < 7; round++) {
    rates.native.push(timeRate(runNative, envelopes.length))
    rates.pipeline.push(timeRate(runPipeline, bytes.length))
    if (round < 3) rates.noble.push(timeRate(runNoble, nobleCount))
  }
  const native = medianOf(rates.native)
  const pipeline = medianOf(rates.pipeline)
  const noble = medianOf(rates.noble)
  return [
    {
      suite: 'p2p',
      case: 'verify: full validator pipeline',
      value: pipeline,
      unit: 'msg/s',
      baselineName: 'native crypto.verify',
      baseline: native,
      ratio: pipeline / native,
      ratioMeaning: 'pipeline / native (goal >= 0.8)',
    },
    {
      suite: 'p2p',
      case: 'verify: @noble/ed25519 alone',
      value: noble,
      unit: 'msg/s',
      baselineName: 'native crypto.verify',
      baseline: native,
      ratio: noble / native,
      ratioMeaning: 'noble / native (reference)',
    },
  ]
}

async function tcpRoundTripMs(samples: number): Promise<number[]> {
  const server = createServer((s) => s.on('data', (d) => s.write(d)))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const socket: Socket = await new Promise((r) => {
    const s = connect(port, '127.0.0.1', () => r(s))
  })
  socket.setNoDelay(true)
  const times: number[] = []
  for (let i = 0; i < samples + 20; i++) {
    const t0 = performance.now()
    await new Promise<void>((r) => {
      socket.once('data', () => r())
      socket.write(Buffer.alloc(100, i))
    })
    if (i >= 20) times.push(performance.now() - t0)
  }
  socket.destroy()
  await new Promise((r) => server.close(r))
  return times
}

async function latencyRows(): Promise<BenchRow[]> {
  const tcp = await tcpRoundTripMs(300)
  const tcpMedian = medianOf(tcp)
  const rows: BenchRow[] = []
  const line = await startCluster(5)
  for (let i = 0; i + 1 < line.length; i++) await line[i].dial(line[i + 1].multiaddrs()[0])
  const lineLat = await latencies(line, 0, 200)
  await Promise.all(line.map((n) => n.stop()))
  const oneHop = lineLat.get(1)!
  const fourHops = lineLat.get(4)!
  rows.push(
    {
      suite: 'p2p',
      case: '5-node line, 1 hop (median)',
      value: medianOf(oneHop),
      unit: 'ms',
      baselineName: 'TCP loopback RTT median',
      baseline: tcpMedian,
      ratio: medianOf(oneHop) / tcpMedian,
      ratioMeaning: 'gossip hop / TCP RTT (goal: hop <= 1 ms)',
      extra: { p99: percentile(oneHop, 99), tcpP99: percentile(tcp, 99) },
    },
    {
      suite: 'p2p',
      case: '5-node line, 4 hops (median)',
      value: medianOf(fourHops),
      unit: 'ms',
      baselineName: 'TCP loopback RTT median',
      baseline: tcpMedian,
      ratio: medianOf(fourHops) / tcpMedian,
      ratioMeaning: 'end-to-end / TCP RTT',
      extra: { p99: percentile(fourHops, 99) },
    },
  )
  const mesh = await startCluster(20)
  // A connected random-ish graph: each node dials up to 3 earlier nodes (fixed pattern).
  for (let i = 1; i < mesh.length; i++) {
    for (const j of new Set([i - 1, Math.floor(i / 2), Math.floor(i / 3)])) await mesh[i].dial(mesh[j].multiaddrs()[0])
  }
  const meshLat = await latencies(mesh, 0, 100)
  await Promise.all(mesh.map((n) => n.stop()))
  const all = [...meshLat.values()].flat()
  const lastPerMsg = Array.from({ length: meshLat.get(1)!.length }, (_, k) =>
    Math.max(...[...meshLat.values()].map((l) => l[k])),
  )
  rows.push(
    {
      suite: 'p2p',
      case: '20-node mesh, any receiver (median)',
      value: medianOf(all),
      unit: 'ms',
      baselineName: 'TCP loopback RTT median',
      baseline: tcpMedian,
      ratio: medianOf(all) / tcpMedian,
      ratioMeaning: 'delivery / TCP RTT',
      extra: { p99: percentile(all, 99) },
    },
    {
      suite: 'p2p',
      case: '20-node mesh, all 19 received (median)',
      value: medianOf(lastPerMsg),
      unit: 'ms',
      baselineName: 'TCP loopback RTT median',
      baseline: tcpMedian,
      ratio: medianOf(lastPerMsg) / tcpMedian,
      ratioMeaning: 'full delivery / TCP RTT',
      extra: { p99: percentile(lastPerMsg, 99) },
    },
  )
  return rows
}

/** Messages per second from one publisher until all 10 subscribers have every message. */
async function fanoutRate(options: Partial<ChorusNodeOptions>, messages: number): Promise<number> {
  const nodes = await startCluster(11, options)
  const [publisher, ...subs] = nodes
  const counts = subs.map(() => 0)
  subs.forEach((s, i) => s.subscribe(channel, () => counts[i]++))
  publisher.subscribe(channel, () => {})
  await Promise.all(subs.map((s) => s.dial(publisher.multiaddrs()[0])))
  await until(() => publisher.subscribers(channel).length === subs.length, 'all subscribed')
  const id = await generateIdentity()
  const payloads = Array.from({ length: messages }, (_, k) =>
    encodeEnvelope(
      signEnvelope(
        {
          type: 'inference',
          chainId: CHAIN,
          topicId: TOPIC,
          epoch: k,
          nonce: new Uint8Array(8),
          payload: { value: k },
        },
        id.secretKey,
        id.publicKey,
      ),
    ),
  )
  const t0 = performance.now()
  for (const bytes of payloads) await publisher.publishRaw(channel, bytes)
  await until(() => counts.every((c) => c === messages), 'all delivered', 120_000)
  const rate = messages / ((performance.now() - t0) / 1000)
  await Promise.all(nodes.map((n) => n.stop()))
  return rate
}

async function throughputRows(): Promise<BenchRow[]> {
  const n = 2000
  const off = await fanoutRate({ skipValidation: true }, n)
  const shared = await fanoutRate({ verifiedCache: new VerifiedMessageCache() }, n)
  const perNode = await fanoutRate({}, n)
  return [
    {
      suite: 'p2p',
      case: '1 → 10 subs in 1 process, validator on (shared verify cache)',
      value: shared,
      unit: 'msg/s',
      baselineName: 'validation off',
      baseline: off,
      ratio: shared / off,
      ratioMeaning: 'on / off (goal >= 0.5)',
      extra: { messages: n },
    },
    {
      suite: 'p2p',
      case: '1 → 10 subs in 1 process, validator on (every node verifies)',
      value: perNode,
      unit: 'msg/s',
      baselineName: 'validation off',
      baseline: off,
      ratio: perNode / off,
      ratioMeaning: 'on / off; 10 verifies per msg on 1 core',
      extra: { messages: n },
    },
  ]
}

export const suite: BenchSuite = {
  name: 'p2p',
  async run() {
    return [
      ...(await verifyRows()),
      ...(await ignoredCostRows()),
      ...(await latencyRows()),
      ...(await throughputRows()),
    ]
  },
}
