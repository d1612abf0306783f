/**
 * The BFT committee over real gossip: 4 coordinators (f = 1) commit every epoch with the same
 * block hash everywhere, keep conserving ledgers that agree, survive one member down, stop
 * (without forking) with two down and resume when they return.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { checkConservation, ledgerStateHash } from '../../src/consensus/ledger/index.js'
import { toHex } from '../../src/wire/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'bft', name: 'bft', epochMs: 300, groundTruth: 'synthetic:21' }, 'bft')

describe('a committee of 4 coordinators', () => {
  let cluster: LocalCluster
  let dir: string
  let coordinators: ClusterMember[]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-bft-'))
    cluster = await LocalCluster.start({
      topics: [topic],
      coordinators: 4,
      workers: 4,
      reputers: 2,
      dataDir: dir,
      startDelayMs: 1000,
    })
    coordinators = cluster.members.filter((m) => m.role === 'coordinator')
  }, 30_000)
  afterAll(async () => {
    await cluster.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const lastEpochOf = (m: ClusterMember): number => driverOf(m).chain.topics.get(topic.id)!.lastEpoch

  it('commits 30 epochs with one block hash per height on every node, and ledgers that agree and conserve', async () => {
    await waitFor(() => coordinators.every((m) => lastEpochOf(m) >= 30), '30 epochs on all 4', 60_000)
    expect(cluster.commits.forks()).toEqual([])
    const minHeight = Math.min(...coordinators.map((m) => driverOf(m).chain.height))
    const hashes = coordinators.map((m) => cluster.commits.byNode.get(m.node.participantId)!)
    for (let h = 1; h <= minHeight; h++) expect(new Set(hashes.map((l) => l.get(h))).size).toBe(1)
    // Same height, same ledger: compare at the lowest common height via each node's chain.
    await waitFor(() => new Set(coordinators.map((m) => driverOf(m).chain.height)).size === 1, 'equal heights')
    const ledgers = coordinators.map((m) => driverOf(m).chain.ledger)
    expect(new Set(ledgers.map((l) => toHex(ledgerStateHash(l)))).size).toBe(1)
    for (const l of ledgers) expect(checkConservation(l)).toMatchObject({ ok: true })
    // Rewards were paid: some worker's balance moved from its genesis balance.
    const genesisBalance = BigInt(cluster.genesis.accounts[0].balance)
    expect([...ledgers[0].accounts.values()].some((a) => a.balance !== genesisBalance)).toBe(true)
  }, 90_000)

  it('goes on with one member down, stops without forking with two down, and resumes when they return', async () => {
    const [a, b, c, d] = coordinators
    await cluster.removeMember(d)
    const h1 = driverOf(a).chain.height
    await waitFor(() => [a, b, c].every((m) => driverOf(m).chain.height >= h1 + 3), 'three commits without d', 30_000)

    await cluster.removeMember(c)
    const stalled = Math.max(...[a, b].map((m) => driverOf(m).chain.height))
    // No quorum (2 of 4): wait out several epochs' worth of rounds; nothing may commit.
    const epochAtStall = cluster.topics[0].clock.current()
    await waitFor(() => cluster.topics[0].clock.current() >= epochAtStall + 5, 'five epochs without a quorum', 10_000)
    expect(Math.max(...[a, b].map((m) => driverOf(m).chain.height))).toBeLessThanOrEqual(stalled + 0)

    const c2 = await cluster.restartMember(c)
    const d2 = await cluster.restartMember(d)
    await waitFor(
      () => [a, b, c2, d2].every((m) => driverOf(m).chain.height >= stalled + 3),
      'commits resume on all four',
      60_000,
    )
    expect(cluster.commits.forks()).toEqual([])
  }, 120_000)
})
