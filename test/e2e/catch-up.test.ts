/**
 * A coordinator far behind (a late joiner, or a restart after a long outage) catches up: more
 * heights behind than a member serves in one request (64), it fetches the gap in chunks from
 * the announcers of the newest commits and adopts it block by block, each checked by its
 * certificate and re-executed; a member that never answers sync requests only costs it the
 * time until the next announcer is asked.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LocalCluster, type MemberSpec } from '../../src/cluster/local-cluster.js'
import { generateIdentity, type NodeIdentity } from '../../src/p2p/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'lag', name: 'lag', epochMs: 150, groundTruth: 'synthetic:7' }, 'lag')
const BEHIND = 68

/** Three coordinators (and `extra`) running; a fourth, with `key`, planned but not started. */
function withLateMember(key: NodeIdentity, extra: MemberSpec[] = []): Promise<LocalCluster> {
  return LocalCluster.start({
    topics: [topic],
    coordinators: 3,
    workers: 3,
    reputers: 1,
    extraMembers: [...extra, { role: 'coordinator', identity: key, start: false }],
    startDelayMs: 1000,
    // A round whose proposer is the absent member waits out the propose timeout: a short one
    // lets the chain reach its height sooner (what is tested is the catching up).
    timeouts: { propose: 400, prevote: 200, precommit: 200, delta: 100 },
  })
}

describe('a coordinator far behind', () => {
  let cluster: LocalCluster | undefined
  afterEach(async () => {
    await cluster?.stop()
    cluster = undefined
  })

  it(`catches up from ${BEHIND} heights behind`, async () => {
    const key = await generateIdentity()
    cluster = await withLateMember(key)
    const hub = driverOf(cluster.members[0])
    // Three of four coordinators are a quorum: the chain grows without the fourth.
    await waitFor(() => hub.chain.height >= BEHIND, `height ${BEHIND} without the late member`, 120_000)
    const planned = cluster.planned.find((p) => p.identity === key)
    expect(planned).toBeDefined()
    const late = driverOf(await cluster.startMember(planned!))
    await waitFor(
      () => late.chain.height >= hub.chain.height - 2,
      'the late member within 2 heights of the others',
      30_000,
    )
    // More than a member serves in one request (64) came from catching up.
    expect(late.chain.height).toBeGreaterThanOrEqual(BEHIND - 2)
    expect(cluster.commits.forks()).toEqual([])
  }, 180_000)

  it('catches up with a member in the committee that never answers sync requests', async () => {
    const key = await generateIdentity()
    cluster = await withLateMember(key, [{ role: 'coordinator', byzantine: 'silent-sync' }])
    const silent = cluster.members.find((m) => m.spec.byzantine === 'silent-sync')
    const hub = driverOf(cluster.members[0])
    // Three honest members and the silent one are a quorum of five.
    await waitFor(() => hub.chain.height >= 20, 'height 20 without the late member', 120_000)
    const late = driverOf(await cluster.startMember(cluster.planned.find((p) => p.identity === key)!))
    await waitFor(
      () => late.chain.height >= hub.chain.height - 2,
      'the late member within 2 heights of the others',
      60_000,
    )
    expect(silent).toBeDefined()
    expect(cluster.commits.forks()).toEqual([])
  }, 180_000)
})
