/**
 * A hostile peer floods messages that are ignored, not rejected (gossipsub penalises only
 * rejects): stale-epoch inferences under random keys and signatures, and transfers from
 * accounts no ledger holds. Its neighbour's ignore budget turns the flood into score: the
 * flooder falls below the graylist threshold, its RPCs are then dropped before validation,
 * it leaves the mesh, and a flood that goes on is disconnected. An honest relay whose
 * messages are sometimes late keeps its standing. Real nodes over TCP on 127.0.0.1; the
 * victim's admission rules are the real epoch window (topic/windows.ts) and tx admission.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ignoredFlood } from '../../src/adversary/ignored-flood.js'
import { checkTxSender } from '../../src/consensus/pool/tx-admission.js'
import { buildLocalGenesis, initialState } from '../../src/consensus/ledger/index.js'
import {
  generateIdentity,
  SCORE_THRESHOLDS,
  type ChorusNode,
  type ChorusNodeOptions,
  type ValidationPolicy,
} from '../../src/p2p/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { EpochClock } from '../../src/topic/epoch-clock.js'
import { epochVerdict } from '../../src/topic/windows.js'
import { encodeEnvelope, globalChannel, signEnvelope, topicChannel } from '../../src/wire/index.js'
import { startNode, stopAll, TEST_CHAIN } from '../utils/nodes.js'
import { nextEvent, waitFor } from '../utils/wait.js'

const TOPIC = 'flooded'
// Long epochs: a message made on time is still on time however loaded the machine is.
const EPOCH_MS = 5000
const inferences = topicChannel(TOPIC, 'inferences')
const txs = globalChannel('tx')
const GRAYLIST = SCORE_THRESHOLDS.graylistThreshold

/** A topic a hundred epochs old: epoch 0 is far behind its window. */
const runtime = {
  config: parseTopicConfig({ id: TOPIC, name: 'flooded', epochMs: EPOCH_MS }, 'ignored-flood test'),
  clock: new EpochClock(Date.now() - 100 * EPOCH_MS, EPOCH_MS),
}

/** The victim's admission: the topic's epoch window, and txs only from ledger accounts (one). */
function admission(): Omit<ValidationPolicy, 'chainId'> {
  const committee = ['c0'.repeat(32)]
  const ledger = initialState(
    buildLocalGenesis({ chainId: TEST_CHAIN, committee, workers: [], reputers: [], topics: [] }),
  )
  return {
    checkEpoch: (envelope) => (envelope.topicId === TOPIC ? epochVerdict(envelope, runtime) : 'ok'),
    checkSender: (envelope) => checkTxSender(ledger, envelope),
  }
}

async function victimNode(options: Partial<ChorusNodeOptions>): Promise<ChorusNode> {
  const node = await startNode({ validation: admission(), ...options })
  node.subscribe(inferences, () => {})
  node.subscribe(txs, () => {})
  return node
}

/** Validator verdicts at `node` on messages relayed by `from`, by `<action>:<code>`. */
function verdictsFrom(node: ChorusNode, from: () => string): Map<string, number> {
  const seen = new Map<string, number>()
  node.events.on('validation', (v) => {
    if (v.from !== from()) return
    const key = `${v.action}:${v.code}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  })
  return seen
}

const total = (counts: ReadonlyMap<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0)

function countEvents(node: ChorusNode, from: () => string): { count: number } {
  const dropped = { count: 0 }
  node.events.on('rpc-dropped', (peer) => {
    if (peer === from()) dropped.count++
  })
  return dropped
}

describe('a peer flooding ignored messages', () => {
  let victim: ChorusNode, honest: ChorusNode, hostile: ChorusNode
  let fromHonest: Map<string, number>, fromHostile: Map<string, number>
  let droppedFromHostile: { count: number }
  const delivered: string[] = []

  beforeAll(async () => {
    victim = await victimNode({ ignoreBudget: { disconnectAfter: 0 } }) // this part watches the graylist
    ;[honest, hostile] = await Promise.all([startNode(), startNode()])
    fromHonest = verdictsFrom(victim, () => honest.peerId)
    fromHostile = verdictsFrom(victim, () => hostile.peerId)
    droppedFromHostile = countEvents(victim, () => hostile.peerId)
    victim.subscribe(inferences, (m) => delivered.push(Buffer.from(m.id).toString('hex')))
    for (const node of [honest, hostile]) {
      node.subscribe(inferences, () => {})
      await node.dial(victim.multiaddrs()[0])
    }
    await waitFor(
      () => victim.meshPeers(inferences).length === 2 && hostile.subscribers(txs).includes(victim.peerId),
      'both peers in the victim mesh',
    )
  })
  afterAll(() => stopAll([victim, honest, hostile]))

  /** Inferences of `signers` distinct workers, as a relay forwards them: on time, or one epoch late. */
  async function relayed(signers: number, late: (i: number) => boolean): Promise<Uint8Array[]> {
    const ids = await Promise.all(Array.from({ length: signers }, () => generateIdentity()))
    const now = runtime.clock.current()
    return ids.map((id, i) =>
      encodeEnvelope(
        signEnvelope(
          {
            type: 'inference',
            chainId: TEST_CHAIN,
            topicId: TOPIC,
            // The next epoch is open to submissions all through this one; the last has closed.
            epoch: late(i) ? now - 1 : now + 1,
            nonce: new Uint8Array(0),
            payload: { value: i },
          },
          id.secretKey,
          id.publicKey,
        ),
      ),
    )
  }

  it('does not penalise an honest relay whose messages are sometimes late', async () => {
    const messages = await relayed(40, (i) => i % 4 === 3)
    for (const bytes of messages) await honest.publishRaw(inferences, bytes)
    await waitFor(() => total(fromHonest) === messages.length, 'a verdict on every honest message')
    expect(Object.fromEntries(fromHonest)).toEqual({ 'accept:ok': 30, 'ignore:epoch-too-old': 10 })
    expect(victim.ignoreBudget.excessOf(honest.peerId)).toBe(0)
    expect(victim.ignoreBudget.counters.snapshot()).toEqual({})
    expect(victim.peerScore(honest.peerId)).toBeGreaterThanOrEqual(0)
    expect(victim.meshPeers(inferences)).toContain(honest.peerId)
  })

  it('graylists the flooder: its RPCs are dropped unread, and it leaves the mesh', async () => {
    const stop = new AbortController()
    const flood = ignoredFlood((channel, bytes) => hostile.publishRaw(channel, bytes), {
      chainId: TEST_CHAIN,
      topicId: TOPIC,
      staleEpoch: 0,
      seed: 'e2e',
      ratePerSecond: 3000,
      signal: stop.signal,
    })
    try {
      await waitFor(() => victim.peerScore(hostile.peerId) < GRAYLIST, 'the flooder below the graylist threshold')
      // Both kinds were ignored (neither is provably the relay's fault), and only past the budget did they cost.
      expect(fromHostile.get('ignore:epoch-too-old')).toBeGreaterThan(0)
      expect(fromHostile.get('ignore:unknown-account')).toBeGreaterThan(0)
      expect(total(fromHostile)).toBe(
        (fromHostile.get('ignore:epoch-too-old') ?? 0) + (fromHostile.get('ignore:unknown-account') ?? 0),
      )
      // The budget's burst (and what it refilled meanwhile) cost nothing; the rest was charged.
      const excess = victim.ignoreBudget.excessOf(hostile.peerId)
      expect(excess).toBeGreaterThan(0)
      expect(total(fromHostile) - excess).toBeGreaterThanOrEqual(victim.ignoreBudget.settings.burst)

      // From the first dropped RPC on, the flooder keeps sending and the validator sees none of it.
      await nextEvent(victim.events, 'rpc-dropped', (peer) => peer === hostile.peerId)
      // RPCs read before it finish their validation within this turn of the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const validated = total(fromHostile)
      const counters = victim.validator.counters.snapshot()
      const dropped = droppedFromHostile.count
      await waitFor(() => droppedFromHostile.count >= dropped + 200, '200 more RPCs of the flooder dropped')
      expect(total(fromHostile)).toBe(validated)
      expect(victim.validator.counters.snapshot()).toEqual(counters)

      await waitFor(() => !victim.meshPeers(inferences).includes(hostile.peerId), 'the flooder pruned from the mesh')
      expect(victim.meshPeers(inferences)).toContain(honest.peerId)
    } finally {
      stop.abort()
      await flood
    }
    // The honest relay is still heard, and nothing of the flood was delivered.
    const [onTime] = await relayed(1, () => false)
    await honest.publishRaw(inferences, onTime)
    await waitFor(() => delivered.length === 31, 'the honest message delivered')
    expect(victim.ignoreBudget.excessOf(honest.peerId)).toBe(0)
  })
})

describe('a flood that goes on', () => {
  let victim: ChorusNode, hostile: ChorusNode

  beforeAll(async () => {
    victim = await victimNode({ ignoreBudget: { disconnectAfter: 100 } })
    hostile = await startNode()
    await hostile.dial(victim.multiaddrs()[0])
    await waitFor(() => hostile.subscribers(inferences).includes(victim.peerId), 'the victim subscribed')
  })
  afterAll(() => stopAll([victim, hostile]))

  it('is disconnected once its ignored messages beyond the budget pass disconnectAfter', async () => {
    const stop = new AbortController()
    const flood = ignoredFlood((channel, bytes) => hostile.publishRaw(channel, bytes), {
      chainId: TEST_CHAIN,
      topicId: TOPIC,
      staleEpoch: 0,
      seed: 'e2e-disconnect',
      ratePerSecond: 3000,
      signal: stop.signal,
    })
    try {
      await waitFor(() => !victim.connectedPeers().includes(hostile.peerId), 'the flooder disconnected', 20_000)
    } finally {
      stop.abort()
      await flood
    }
    expect(victim.ignoreBudget.counters.get('disconnected')).toBeGreaterThanOrEqual(1)
    expect(victim.ignoreBudget.excessOf(hostile.peerId)).toBeGreaterThanOrEqual(100)
  })
})
