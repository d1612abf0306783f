/**
 * Pay what you want, over the network: two topics, one paid for a thousand times more than the
 * other. The emission is split by topic weight, so the well-paid topic's participants earn more
 * per epoch. The other's revenue drips away (a short drip month) until its weight falls below
 * the genesis minimum: its epochs then close without inferences and its workers skip them.
 * A fund-topic transaction, gossiped like any other, brings it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { decodeBlock, type Block } from '../../src/consensus/chain/block.js'
import { rewardsByParticipant } from '../../src/consensus/chain/rewards.js'
import { isTopicRunning, TOKEN, type GenesisFile } from '../../src/consensus/ledger/index.js'
import { WorkerService } from '../../src/roles/worker.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const EPOCH_MS = 250
const topics = ['rich', 'poor'].map((id, i) =>
  parseTopicConfig({ id, name: id, epochMs: EPOCH_MS, groundTruth: `synthetic:${60 + i}` }, id),
)

/** Revenue drips by a tenth per epoch; the poor topic's weight falls below the minimum in about 30 epochs. */
function economy(file: GenesisFile): GenesisFile {
  const revenue: Record<string, bigint> = { rich: 100n * TOKEN, poor: TOKEN / 10n }
  return {
    ...file,
    topics: file.topics.map((t) => ({ ...t, initialRevenue: String(revenue[t.id]) })),
    topicWeight: { ...file.topicWeight, minTopicWeight: 5e16, monthMs: Math.round(4.345 * EPOCH_MS * 10) },
  }
}

describe('pay what you want', () => {
  let cluster: LocalCluster
  let coordinator: ClusterMember
  let payer: ClusterMember

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      topics,
      coordinators: 1,
      workers: 2,
      reputers: 1,
      startDelayMs: 800,
      editGenesis: economy,
    })
    coordinator = cluster.members.find((m) => m.role === 'coordinator')!
    payer = cluster.members.find((m) => m.role === 'worker')!
  }, 30_000)
  afterAll(() => cluster?.stop())

  const chain = () => driverOf(coordinator).chain
  const blockAt = (h: number): Block | undefined => {
    const stored = driverOf(coordinator).storedBlock(h)
    return stored === undefined ? undefined : decodeBlock(stored.bytes)
  }
  const paid = (from: number, to: number, topic: string): number =>
    [...rewardsByParticipant(blockAt, from, to, topic).values()].reduce((sum, r) => sum + r.total, 0)
  /** Epochs of `topic` committed in heights from+1..to, and how many had inferences. */
  const epochsIn = (from: number, to: number, topic: string) => {
    const entries = []
    for (let h = from + 1; h <= to; h++)
      entries.push(...(blockAt(h)?.topicEpochs ?? []).filter((e) => e.topicId === topic))
    return { all: entries.length, decided: entries.filter((e) => e.output !== null).length }
  }

  it('pays the well-paid topic more per epoch, stops the other when its revenue runs out, and runs it again once paid', async () => {
    // Both topics run and settle at first; the rich one's participants earn far more.
    await waitFor(() => chain().ledger.topics.get('poor')!.lastSettledEpoch >= 2, 'the poor topic settles', 20_000)
    const start = chain().height
    await waitFor(() => chain().height >= start + 4, 'four more blocks', 10_000)
    const stretch = chain().height
    expect(paid(start, stretch, 'poor')).toBeGreaterThan(0)
    expect(paid(start, stretch, 'rich')).toBeGreaterThan(5 * paid(start, stretch, 'poor'))

    // The poor topic's revenue drips away: it goes inactive and its epochs close empty.
    await waitFor(() => !isTopicRunning(chain().ledger, 'poor'), 'the poor topic goes inactive', 30_000)
    const stopped = chain().height
    await waitFor(() => chain().height >= stopped + 4, 'four more blocks', 10_000)
    const idle = epochsIn(stopped, chain().height, 'poor')
    expect(idle.all).toBeGreaterThanOrEqual(4)
    expect(idle.decided).toBe(0)
    expect(epochsIn(stopped, chain().height, 'rich').decided).toBeGreaterThanOrEqual(4)
    expect(isTopicRunning(chain().ledger, 'rich')).toBe(true)
    // Its workers spent nothing on it meanwhile.
    const skipped = payer.node.services
      .filter((s): s is WorkerService => s instanceof WorkerService)
      .map((w) => w.counters.get('topic-inactive') ?? 0)
    expect(Math.max(...skipped)).toBeGreaterThanOrEqual(4)

    // Someone pays for it, over gossip: it runs again, with inferences.
    await payer.node.node.publish({
      type: 'tx',
      chainId: cluster.genesis.chainId,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind: 'fund-topic', accountNonce: 0, body: { topicId: 'poor', amount: String(TOKEN) } },
    })
    await waitFor(() => isTopicRunning(chain().ledger, 'poor'), 'the poor topic runs again', 15_000)
    const resumed = chain().height
    await waitFor(() => epochsIn(resumed, chain().height, 'poor').decided >= 2, 'two poor epochs decided again', 15_000)
  }, 90_000)
})
