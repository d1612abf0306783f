/**
 * Governance over gossip: stakers propose and vote with signed transactions; at the height a
 * proposal names, every node tallies it the same way. One proposal passes (the emission per
 * ledger epoch changes on every node from that height), one fails for want of a 2/3 majority
 * (nothing changes). A third doubles a topic's epoch length: the chain and every node's clocks
 * time epochs by it from the epoch after next, and no epoch is lost or closed twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { TOKEN } from '../../src/consensus/ledger/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { txSubmitter } from '../utils/submit-tx.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'gov', name: 'gov', epochMs: 250, groundTruth: 'synthetic:81' }, 'gov')

describe('governance over the network', () => {
  let cluster: LocalCluster
  let coordinators: ClusterMember[]
  let worker: ClusterMember
  let reputer: ClusterMember

  beforeAll(async () => {
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 2, workers: 1, reputers: 1 })
    coordinators = cluster.members.filter((m) => m.role === 'coordinator')
    worker = cluster.members.find((m) => m.role === 'worker')!
    reputer = cluster.members.find((m) => m.role === 'reputer')!
    await waitFor(() => driverOf(coordinators[0]).chain.height >= 1, 'a first block', 15_000)
  }, 30_000)
  afterAll(() => cluster?.stop())

  const send = txSubmitter(() => cluster)
  const submit = (m: ClusterMember, kind: 'propose' | 'vote', body: Record<string, string | number>) =>
    send(m.identity, m, kind, body)
  const ledgers = () => cluster.members.map((m) => driverOf(m).chain.ledger)

  it('applies a passed proposal at its height on every node, and leaves a failed one without effect', async () => {
    const height = driverOf(coordinators[0]).chain.height + 14
    const emission = String(3n * TOKEN)
    await submit(reputer, 'propose', { param: 'emissionPerEpoch', value: emission, height })
    await submit(worker, 'propose', { param: 'committeeShare', value: '0.2', height })
    await waitFor(() => ledgers().every((l) => l.proposals.size === 2), 'both proposals on every node', 10_000)
    const byParam = (param: string) => [...ledgers()[0].proposals.values()].find((p) => p.param === param)!.id
    const emissionId = byParam('emissionPerEpoch')
    const shareId = byParam('committeeShare')
    // Stake: coordinators 100 tokens each, the reputer 100, the worker 10. Emission: 300 of 310
    // for; committee share: 10 for, 200 against.
    await submit(reputer, 'vote', { proposal: emissionId, choice: 'yes' })
    await submit(coordinators[0], 'vote', { proposal: emissionId, choice: 'yes' })
    await submit(coordinators[1], 'vote', { proposal: emissionId, choice: 'yes' })
    await submit(worker, 'vote', { proposal: shareId, choice: 'yes' })
    await submit(reputer, 'vote', { proposal: shareId, choice: 'no' })
    await submit(coordinators[0], 'vote', { proposal: shareId, choice: 'no' })
    const before = ledgers()[0].params
    await waitFor(() => ledgers().every((l) => l.height >= height), `height ${height} on every node`, 20_000)
    for (const l of ledgers()) {
      expect(l.proposals.get(emissionId)?.status).toBe('passed')
      expect(l.proposals.get(shareId)?.status).toBe('rejected')
      expect(l.params.emissionPerEpoch).toBe(3n * TOKEN)
      expect(l.params.committeeSharePpm).toBe(before.committeeSharePpm)
    }
    expect(before.emissionPerEpoch).not.toBe(3n * TOKEN)
  }, 60_000)

  it("changes a topic's epoch length from the epoch after next, with no epoch lost or doubled", async () => {
    const driver = driverOf(coordinators[0])
    const height = driver.chain.height + 12
    await submit(reputer, 'propose', { param: 'topic.gov.epochMs', value: '500', height })
    await waitFor(() => ledgers().every((l) => l.proposals.size === 3), 'the proposal on every node', 10_000)
    const id = [...ledgers()[0].proposals.values()].find((p) => p.param === 'topic.gov.epochMs')!.id
    for (const m of [reputer, ...coordinators]) await submit(m, 'vote', { proposal: id, choice: 'yes' })
    await waitFor(() => ledgers().every((l) => l.height >= height), `height ${height} on every node`, 20_000)
    const run = driver.chain.topics.get('gov')!
    expect(run.config.epochMs).toBe(500)
    expect(run.config.submissionWindowMs).toBe(300)
    const [, change] = run.schedule
    expect(change).toMatchObject({ epochMs: 500 })
    expect(ledgers()[0].topics.get('gov')!.epochMs).toBe(500)
    // Every node holds the same schedule, and the worker's clock follows it.
    for (const m of cluster.members) expect(driverOf(m).chain.topics.get('gov')!.schedule).toEqual(run.schedule)
    await waitFor(() => cluster.topics[0].clock.schedule.length === 2, 'the clocks', 5_000)
    // Epochs go on past the change, each closed once, and the worker's inferences are in them.
    const target = change.fromEpoch + 6
    await waitFor(() => driver.chain.topics.get('gov')!.lastEpoch >= target, `epoch ${target}`, 20_000)
    const closedAt = new Map<number, number>()
    for (let h = 1; h <= driver.chain.height; h++)
      for (const e of driver.blockAt(h)!.topicEpochs) {
        expect(closedAt.has(e.epoch), `epoch ${e.epoch} closed twice`).toBe(false)
        closedAt.set(e.epoch, driver.blockAt(h)!.timeMs)
      }
    const epochs = [...closedAt.keys()].sort((a, b) => a - b)
    expect(epochs.at(-1)! - epochs[0] + 1).toBe(epochs.length)
    // No epoch of the new length closed before its submission window (300 ms of 500) ended by the new schedule.
    for (let e = change.fromEpoch; e <= target; e++)
      expect(closedAt.get(e)!).toBeGreaterThanOrEqual(change.startMs + (e - change.fromEpoch) * 500 + 300)
    const withInference = (from: number, to: number) =>
      [...Array(to - from + 1).keys()].filter((i) =>
        [...Array(driver.chain.height).keys()].some((h) =>
          driver
            .blockAt(h + 1)!
            .topicEpochs.some((e) => e.epoch === from + i && e.inferences[worker.node.participantId] !== undefined),
        ),
      ).length
    expect(withInference(change.fromEpoch + 1, target)).toBeGreaterThanOrEqual(4)
  }, 60_000)
})
