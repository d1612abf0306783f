/**
 * A worker killed mid-run: the epochs go on without it; restarted with its key, it rejoins. A
 * coordinator restarted: back on its address, every member that knew it dials it again.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { LocalCluster } from '../../src/cluster/local-cluster.js'
import type { EpochDecision } from '../../src/roles/decisions.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'churn', name: 'churn', epochMs: 250, groundTruth: 'synthetic:11' }, 'churn')

describe('worker churn', () => {
  let cluster: LocalCluster | undefined
  afterAll(() => cluster?.stop())

  it('goes on without a killed worker and takes it back when it restarts', async () => {
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 1, workers: 4, reputers: 1, startDelayMs: 800 })
    const decisions: EpochDecision[] = []
    cluster.events.on('decision', (d) => decisions.push(d))
    const victim = cluster.members.filter((m) => m.role === 'worker')[1]
    const id = victim.node.participantId
    await waitFor(() => decisions.filter((d) => id in d.inferences).length >= 3, 'three epochs with the victim')

    await cluster.removeMember(victim)
    const killedAt = decisions.length
    await waitFor(
      () => decisions.slice(killedAt).filter((d) => !(id in d.inferences)).length >= 3,
      'three epochs without the victim',
    )
    const without = decisions.slice(killedAt).filter((d) => !(id in d.inferences))
    for (const d of without) expect(Object.keys(d.inferences)).toHaveLength(3)

    const restartedAt = decisions.length
    await cluster.restartMember(victim)
    await waitFor(() => decisions.slice(restartedAt).filter((d) => id in d.inferences).length >= 2, 'the victim back')
    const back = decisions.slice(restartedAt).filter((d) => id in d.inferences)
    for (const d of back) expect(Object.keys(d.inferences)).toHaveLength(4)
    // Every epoch since the start was decided: none lost to the churn.
    const epochs = decisions.map((d) => d.epoch)
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => epochs[0] + i))
  }, 60_000)

  it('a restarted coordinator listens where it did, and every member that knew it dials it again', async () => {
    const second = await LocalCluster.start({ topics: [topic], coordinators: 1, workers: 3, reputers: 1 })
    try {
      const coordinator = second.members.find((m) => m.role === 'coordinator')
      if (coordinator === undefined) throw new Error('no coordinator')
      const { peerId } = coordinator.node.node
      const address = coordinator.node.node.multiaddrs()[0]
      const others = second.members.filter((m) => m !== coordinator)
      expect(others.every((m) => m.node.node.connectedPeers().includes(peerId))).toBe(true)
      await second.removeMember(coordinator)
      await waitFor(() => others.every((m) => !m.node.node.connectedPeers().includes(peerId)), 'the links gone')
      const back = await second.restartMember(coordinator)
      expect(back.node.node.multiaddrs()[0]).toBe(address)
      // It dials one member itself; the others reconnect to it on their own.
      await waitFor(
        () => others.every((m) => m.node.node.connectedPeers().includes(peerId)),
        'every member connected to it again',
        15_000,
      )
    } finally {
      await second.stop()
    }
  }, 60_000)
})
