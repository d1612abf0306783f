/**
 * Byzantine workers and a lying reputer in one cluster of real nodes on 127.0.0.1: a garbage,
 * a flooding and a late worker beside honest ones, a liar beside two honest reputers. Every
 * epoch still commits, the garbage and the flood are turned down by the peers' validators,
 * and over the run each Byzantine worker earns less than the honest worker with its model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ByzantineFault } from '../../src/adversary/index.js'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { rewardsByParticipant } from '../../src/consensus/chain/rewards.js'
import { selfStakeOf } from '../../src/consensus/ledger/index.js'
import type { EpochDecision } from '../../src/roles/decisions.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { waitFor } from '../utils/wait.js'

const EPOCHS = 20
const topic = parseTopicConfig({ id: 'byzw', name: 'byzw', epochMs: 500, groundTruth: 'synthetic:21' }, 'byzw')
/** The model of the honest reference worker and of every Byzantine one. */
const SAME = 'ema:0.5'

describe('Byzantine workers and a lying reputer', () => {
  let cluster: LocalCluster
  const decisions: EpochDecision[] = []
  /** Every topic epoch a committed block closed, with or without inferences. */
  const committed: number[] = []
  let first = 0
  let firstHeight = 0
  const byFault = new Map<ByzantineFault, ClusterMember>()
  let reference: ClusterMember

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      topics: [topic],
      coordinators: 1,
      workers: 0,
      reputers: 2,
      extraMembers: [
        { role: 'worker', model: SAME },
        { role: 'worker', model: 'drift:32' },
        { role: 'worker', model: 'last' },
        { role: 'worker', model: SAME, byzantine: 'garbage' },
        { role: 'worker', model: SAME, byzantine: 'flood' },
        { role: 'worker', model: SAME, byzantine: 'late' },
        { role: 'reputer', byzantine: 'liar' },
      ],
      startDelayMs: 1000,
    })
    cluster.events.on('decision', (d) => decisions.push(d))
    cluster.events.on('commit', ({ block }) => committed.push(...block.topicEpochs.map((e) => e.epoch)))
    for (const m of cluster.members) if (m.spec.byzantine !== undefined) byFault.set(m.spec.byzantine, m)
    reference = cluster.members.find(
      (m) => m.role === 'worker' && m.spec.byzantine === undefined && m.spec.model === SAME,
    )!
    first = cluster.firstFullEpoch(topic.id)
    firstHeight = coordinator().node.driver.chain.height
    await waitFor(
      () => committed.some((e) => e >= first + EPOCHS - 1),
      `${EPOCHS} epochs`,
      (first + EPOCHS) * topic.epochMs + 30_000,
    )
  }, 90_000)
  afterAll(() => cluster?.stop())

  const coordinator = (): ClusterMember => cluster.coordinators()[0]
  const idOf = (fault: ByzantineFault): string => byFault.get(fault)!.node.participantId
  const honestMembers = (): ClusterMember[] => cluster.members.filter((m) => m.spec.byzantine === undefined)
  /** A validator verdict summed over every honest node. */
  const verdicts = (key: string): number =>
    honestMembers().reduce((n, m) => n + m.node.node.validator.counters.get(key as never), 0)

  it('commits every epoch; the honest worker is in them, the garbage and the late one never', () => {
    const inRun = (e: number): boolean => e >= first && e < first + EPOCHS
    expect(committed.filter(inRun)).toEqual(Array.from({ length: EPOCHS }, (_, i) => first + i))
    const run = decisions.filter((d) => inRun(d.epoch))
    // On a loaded machine an honest message can miss a window too; the Byzantine ones miss every one.
    expect(run.filter((d) => reference.node.participantId in d.inferences).length).toBeGreaterThan(EPOCHS / 2)
    for (const d of run) {
      expect(d.inferences).not.toHaveProperty(idOf('garbage'))
      expect(d.inferences).not.toHaveProperty(idOf('late'))
    }
    // Settlement goes on with a liar among the reputers.
    expect(run.flatMap((d) => d.settled).length).toBeGreaterThan(EPOCHS / 2)
  })

  it("turns the garbage, the flood and the late messages down in the peers' validators", () => {
    for (const key of ['reject:bad-payload', 'reject:wrong-chain', 'reject:bad-signature', 'ignore:epoch-too-far'])
      expect(verdicts(key), key).toBeGreaterThan(0)
    // The flood: one message per slot gets in, one conflicting one is delivered as the evidence
    // of its equivocation, every other one for it is a duplicate.
    expect(verdicts('reject:duplicate')).toBeGreaterThan(EPOCHS)
    expect(verdicts('accept:equivocation')).toBeGreaterThan(0)
    // The late worker's inferences and forecasts, every epoch.
    expect(verdicts('ignore:epoch-too-old')).toBeGreaterThanOrEqual(EPOCHS)
  })

  it('slashes the flooding worker for its equivocations, with evidence in the blocks', async () => {
    const driver = coordinator().node.driver
    const flooder = idOf('flood')
    const genesisStake = cluster.genesis.accounts.find((a) => a.id === flooder)!.stake
    await waitFor(() => selfStakeOf(driver.chain.ledger, flooder) < genesisStake, 'the flooder slashed', 15_000)
    let evidence = 0
    for (let h = 1; h <= driver.chain.height; h++) evidence += driver.blockAt(h)?.evidence.length ?? 0
    expect(evidence).toBeGreaterThan(0)
    // The honest worker keeps its stake.
    const honestId = reference.node.participantId
    expect(selfStakeOf(driver.chain.ledger, honestId)).toBe(
      cluster.genesis.accounts.find((a) => a.id === honestId)!.stake,
    )
  })

  it('pays each Byzantine worker less than the honest worker with the same model', () => {
    const driver = coordinator().node.driver
    const rewards = rewardsByParticipant((h) => driver.blockAt(h), firstHeight, driver.chain.height, topic.id)
    const earned = (id: string): number => rewards.get(id)?.total ?? 0
    const honest = earned(reference.node.participantId)
    expect(honest).toBeGreaterThan(0)
    for (const fault of ['garbage', 'flood', 'late'] as const)
      expect(earned(idOf(fault)), `${fault} earns less than honest ${honest}`).toBeLessThan(honest)
    const reputers = honestMembers().filter((m) => m.role === 'reputer')
    for (const r of reputers) expect(earned(idOf('liar'))).toBeLessThan(earned(r.node.participantId))
  })
})
