/**
 * Merit sortition over the network: a topic capped at two inferers and two forecasters, with
 * three workers publishing every epoch. No block synthesises more than the caps; the worker
 * left out keeps publishing, is named on standby, and earns its way back into the set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { decodeBlock, type BlockTopicEpoch } from '../../src/consensus/chain/block.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig(
  {
    id: 'capped',
    name: 'capped',
    epochMs: 250,
    groundTruth: 'synthetic:71',
    activeSet: { inferers: 2, forecasters: 2 },
  },
  'capped',
)

describe('merit sortition', () => {
  let cluster: LocalCluster
  let coordinator: ClusterMember

  beforeAll(async () => {
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 1, workers: 3, reputers: 1 })
    coordinator = cluster.members.find((m) => m.role === 'coordinator')!
  }, 30_000)
  afterAll(() => cluster?.stop())

  /** The decided epochs committed so far, in order. */
  const decided = (): BlockTopicEpoch[] => {
    const driver = driverOf(coordinator)
    const out: BlockTopicEpoch[] = []
    for (let h = 1; h <= driver.chain.height; h++) {
      const stored = driver.storedBlock(h)
      if (stored === undefined) continue
      out.push(...decodeBlock(stored.bytes).topicEpochs.filter((e) => e.output !== null))
    }
    return out
  }

  it('synthesises at most the caps, and a worker left out earns its way back in', async () => {
    const workers = cluster.members.filter((m) => m.role === 'worker').map((m) => m.node.participantId)
    /** Whether a worker left out of one epoch is in the set of a later one. */
    const cameBack = (epochs: readonly BlockTopicEpoch[]): boolean =>
      epochs.some((e, i) => {
        const out = workers.filter((w) => !(w in e.inferences))
        return (
          e.standbyInferers.length > 0 && epochs.slice(i + 1).some((later) => out.some((w) => w in later.inferences))
        )
      })
    await waitFor(() => cameBack(decided()), 'a worker on standby back in the set', 30_000)
    const epochs = decided()
    for (const e of epochs) {
      expect(Object.keys(e.inferences).length).toBeLessThanOrEqual(2)
      expect(Object.keys(e.forecasts).length).toBeLessThanOrEqual(2)
    }
    // Three workers publish every epoch: the one left out is named on standby (a one-byte bitmap).
    expect(epochs.filter((e) => e.standbyInferers.length === 1).length).toBeGreaterThan(0)
    // Every worker has a score EMA by now, and each was synthesised at some point.
    const emas = driverOf(coordinator).chain.topics.get('capped')!.merit.scores.inferers
    expect([...emas.keys()].sort()).toEqual([...workers].sort())
    for (const w of workers) expect(epochs.some((e) => w in e.inferences)).toBe(true)
  }, 60_000)
})
