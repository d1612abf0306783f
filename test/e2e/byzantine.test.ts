/**
 * One Byzantine coordinator of four at a time: an equivocating voter (slashed through the
 * evidence it leaves), a proposer of blocks with a wrong network inference, a voter for hashes
 * that are no block, a proposer that withholds its proposals. Never a wrong commit: every committed block re-executes to the
 * same bytes on the honest members, and the honest members never fork.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import type { CoordinatorByzantineFault } from '../../src/adversary/index.js'
import { selfStakeOf } from '../../src/consensus/ledger/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'byz', name: 'byz', epochMs: 300, groundTruth: 'synthetic:33' }, 'byz')

async function withByzantine(
  byzantine: CoordinatorByzantineFault,
): Promise<{ cluster: LocalCluster; honest: ClusterMember[]; evil: ClusterMember }> {
  const cluster = await LocalCluster.start({
    topics: [topic],
    coordinators: 3,
    workers: 3,
    reputers: 1,
    extraMembers: [{ role: 'coordinator', byzantine }],
    startDelayMs: 1000,
  })
  const coordinators = cluster.members.filter((m) => m.role === 'coordinator')
  const evil = coordinators.find((m) => m.spec.byzantine !== undefined) as ClusterMember
  return { cluster, honest: coordinators.filter((m) => m !== evil), evil }
}

describe('a Byzantine coordinator', () => {
  let cluster: LocalCluster | undefined
  afterEach(async () => {
    await cluster?.stop()
    cluster = undefined
  })

  it('that equivocates is caught and slashed; the honest members agree', async () => {
    const run = await withByzantine('equivocate')
    cluster = run.cluster
    const evilId = run.evil.node.participantId
    const stakeAtGenesis = selfStakeOf(driverOf(run.honest[0]).chain.ledger, evilId)
    await waitFor(
      () => run.honest.every((m) => selfStakeOf(driverOf(m).chain.ledger, evilId) < stakeAtGenesis),
      'the equivocator slashed',
      60_000,
    )
    expect(run.cluster.commits.forks()).toEqual([])
    expect(run.honest.some((m) => (driverOf(m).counters.get('evidence') ?? 0) > 0)).toBe(true)
  }, 90_000)

  it('that proposes a wrong network inference never gets it committed', async () => {
    const run = await withByzantine('bad-proposal')
    cluster = run.cluster
    const evilId = run.evil.node.participantId
    await waitFor(() => run.honest.every((m) => driverOf(m).chain.height >= 12), '12 heights', 60_000)
    expect(run.cluster.commits.forks()).toEqual([])
    // The liar's blocks fail re-execution on the honest members; none of its blocks commits.
    expect(run.honest.some((m) => (driverOf(m).counters.get('block-invalid') ?? 0) > 0)).toBe(true)
    const honest = driverOf(run.honest[0])
    const proposers = Array.from({ length: honest.chain.height }, (_, i) => honest.blockAt(i + 1)?.proposer)
    expect(proposers).not.toContain(evilId)
    for (const m of run.honest) expect(driverOf(m).lastRejection).toMatch(/recomputed block differs/)
  }, 90_000)

  it('that votes for garbage is left out of every quorum and earns less of the committee share', async () => {
    const run = await withByzantine('garbage')
    cluster = run.cluster
    const balance = (id: string): bigint => driverOf(run.honest[0]).chain.ledger.accounts.get(id)?.balance ?? 0n
    const ids = [run.evil, ...run.honest].map((m) => m.node.participantId)
    const atGenesis = new Map(ids.map((id) => [id, balance(id)]))
    await waitFor(() => run.honest.every((m) => driverOf(m).chain.height >= 12), '12 heights', 60_000)
    expect(run.cluster.commits.forks()).toEqual([])
    // One vote per step: nothing to prove equivocation with.
    expect(run.honest.every((m) => (driverOf(m).counters.get('evidence') ?? 0) === 0)).toBe(true)
    const earned = (id: string): bigint => balance(id) - (atGenesis.get(id) ?? 0n)
    for (const m of run.honest) expect(earned(run.evil.node.participantId)).toBeLessThan(earned(m.node.participantId))
  }, 90_000)

  it('that withholds its proposals only costs a round', async () => {
    const run = await withByzantine('withhold')
    cluster = run.cluster
    await waitFor(() => run.honest.every((m) => driverOf(m).chain.height >= 12), '12 heights', 60_000)
    expect(run.cluster.commits.forks()).toEqual([])
  }, 90_000)
})
