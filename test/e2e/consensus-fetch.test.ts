/**
 * A voter that lacks messages a proposal names fetches them from its peers, outside its
 * consensus queue, and commits the same block as everyone else. The messages are put into
 * one coordinator's pool only (they never travel by gossip), so every other voter has to
 * fetch them when that coordinator proposes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { encodeEnvelope, messageId, signEnvelope, toHex } from '../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../src/p2p/index.js'
import type { EpochDecision } from '../../src/roles/decisions.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'fetch', name: 'fetch', epochMs: 300, groundTruth: 'synthetic:5' }, 'fetch')

describe('a voter without the messages a proposal names', () => {
  let cluster: LocalCluster
  let silent: NodeIdentity
  let coordinators: ClusterMember[]
  const decisions: EpochDecision[] = []

  beforeAll(async () => {
    silent = await generateIdentity()
    cluster = await LocalCluster.start({
      topics: [topic],
      coordinators: 4,
      workers: 2,
      reputers: 1,
      startDelayMs: 800,
      extraMembers: [{ role: 'worker', identity: silent, start: false }],
    })
    coordinators = cluster.members.filter((m) => m.role === 'coordinator')
    cluster.events.on('decision', (d) => decisions.push(d))
  }, 30_000)
  afterAll(() => cluster.stop())

  it('fetches them from the proposer and commits the same blocks, without a fork', async () => {
    const [holder, ...others] = coordinators
    await waitFor(() => coordinators.every((m) => driverOf(m).chain.height >= 3), 'three commits', 30_000)
    // One inference of a registered worker per coming epoch, in `holder`'s pool only: the
    // epochs cover four heights, so `holder` proposes one of them.
    const first = cluster.topics[0].clock.current() + 1
    const ids: string[] = []
    for (let epoch = first; epoch < first + 8; epoch++) {
      const envelope = signEnvelope(
        {
          type: 'inference',
          chainId: cluster.genesis.chainId,
          topicId: topic.id,
          epoch,
          nonce: new Uint8Array(0),
          payload: { value: 100 + epoch },
        },
        silent.secretKey,
        silent.publicKey,
      )
      const bytes = encodeEnvelope(envelope)
      const id = toHex(messageId(bytes))
      driverOf(holder).pool.add(id, envelope, bytes)
      ids.push(id)
    }
    // Others can only hold one of these ids by fetching it for a block that names it.
    await waitFor(
      () => others.every((m) => ids.some((id) => driverOf(m).pool.get(id) !== undefined)),
      'a block naming an unsent inference reaches every voter',
      30_000,
    )
    const height = Math.max(...coordinators.map((m) => driverOf(m).chain.height))
    await waitFor(
      () => coordinators.every((m) => driverOf(m).chain.height >= height + 2),
      'two more commits everywhere',
      30_000,
    )
    expect(others.every((m) => (driverOf(m).counters.get('messages-fetch') ?? 0) >= 1)).toBe(true)
    expect(cluster.commits.forks()).toEqual([])
    // The committed blocks carry the silent worker's value into the decided epochs.
    const silentId = toHex(silent.publicKey)
    const carried = decisions.filter(
      (d) => d.epoch >= first && d.epoch < first + 8 && d.inferences[silentId] === 100 + d.epoch,
    )
    expect(carried.length).toBeGreaterThanOrEqual(1)
  }, 90_000)
})
