/**
 * Staking over gossip: an account with no role (the local network's faucet) stakes, delegates
 * to the reputer and is paid its share of the reputer's rewards, then undelegates and gets the
 * tokens back after the unbonding delay; a worker deregisters (its inferences leave the blocks)
 * and registers again (they come back); a reputer that signs two different loss bundles for one
 * epoch is slashed by the evidence the coordinator makes of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { decodeBlock } from '../../src/consensus/chain/block.js'
import { balanceOf, isRegistered, selfStakeOf, TOKEN, type GenesisFile } from '../../src/consensus/ledger/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import {
  decodeEnvelope,
  encodeEnvelope,
  signEnvelope,
  topicChannel,
  type Envelope,
  type UnsignedEnvelope,
} from '../../src/wire/index.js'
import { driverOf } from '../utils/committee.js'
import { txSubmitter } from '../utils/submit-tx.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'stakes', name: 'stakes', epochMs: 250, groundTruth: 'synthetic:91' }, 'stakes')

describe('staking over the network', () => {
  let cluster: LocalCluster
  let coordinator: ClusterMember
  let reputer: ClusterMember
  let worker: ClusterMember
  const send = txSubmitter(() => cluster)

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      topics: [topic],
      coordinators: 1,
      workers: 2,
      reputers: 1,
      // Unbonding over 2 ledger epochs (2 s), not 30.
      editGenesis: (file: GenesisFile) => ({ ...file, unbondingEpochs: 2 }),
    })
    coordinator = cluster.members.find((m) => m.role === 'coordinator')!
    reputer = cluster.members.find((m) => m.role === 'reputer')!
    worker = cluster.members.filter((m) => m.role === 'worker')[1]
    // Gossip reaches the committee once the mesh has formed: the first blocks say it has.
    await waitFor(() => driverOf(coordinator).chain.height >= 2, 'two blocks', 15_000)
  }, 30_000)
  afterAll(() => cluster?.stop())

  const ledger = () => driverOf(coordinator).chain.ledger
  const delegated = (from: string) => ledger().delegations.get(reputer.node.participantId)?.get(from) ?? 0n

  it('stakes, delegates and is paid a share, then undelegates through the unbonding delay', async () => {
    const faucet = cluster.faucet
    const id = faucet.publicKey.reduce((s, b) => s + b.toString(16).padStart(2, '0'), '')
    const start = balanceOf(ledger(), id)
    await send(faucet, worker, 'stake', { amount: String(5n * TOKEN) })
    await send(faucet, worker, 'delegate', { reputer: reputer.node.participantId, amount: String(100n * TOKEN) })
    await waitFor(() => delegated(id) === 100n * TOKEN, 'the delegation committed', 10_000)
    expect(selfStakeOf(ledger(), id)).toBe(5n * TOKEN)
    const afterDelegating = balanceOf(ledger(), id)
    // 105 tokens went to stake and delegation (a first share of the rewards may be in already).
    expect(afterDelegating).toBeLessThan(start - 104n * TOKEN)
    // The reputer's rewards are split with its delegators: the faucet's balance grows.
    await waitFor(() => balanceOf(ledger(), id) > afterDelegating, "a share of the reputer's rewards", 20_000)

    await send(faucet, worker, 'unstake', { amount: String(100n * TOKEN), reputer: reputer.node.participantId })
    await waitFor(() => delegated(id) === 0n, 'the undelegation committed', 10_000)
    const unbonding = () =>
      ledger()
        .unbonding.filter((e) => e.account === id)
        .reduce((s, e) => s + e.amount, 0n)
    expect(unbonding()).toBe(100n * TOKEN)
    const beforeRelease = balanceOf(ledger(), id)
    await waitFor(() => unbonding() === 0n, 'the unbonding released', 10_000)
    expect(balanceOf(ledger(), id)).toBeGreaterThanOrEqual(beforeRelease + 100n * TOKEN)
  }, 60_000)

  it('deregisters a worker (its inferences leave the blocks) and registers it again', async () => {
    const wid = worker.node.participantId
    const inferersAt = (h: number): string[] => {
      const stored = driverOf(coordinator).storedBlock(h)
      return stored === undefined ? [] : decodeBlock(stored.bytes).topicEpochs.flatMap((e) => Object.keys(e.inferences))
    }
    await send(worker.identity, worker, 'deregister', { topicId: 'stakes', role: 'worker' })
    await waitFor(() => !isRegistered(ledger(), 'stakes', 'worker', wid), 'the deregistration committed', 10_000)
    const out = driverOf(coordinator).chain.height
    await waitFor(() => driverOf(coordinator).chain.height >= out + 4, 'four more blocks', 10_000)
    for (let h = out + 1; h <= out + 4; h++) expect(inferersAt(h)).not.toContain(wid)

    await send(worker.identity, worker, 'register', { topicId: 'stakes', role: 'worker' })
    await waitFor(() => isRegistered(ledger(), 'stakes', 'worker', wid), 'the registration committed', 10_000)
    const back = driverOf(coordinator).chain.height
    await waitFor(
      () => {
        const tip = driverOf(coordinator).chain.height
        for (let h = back + 1; h <= tip; h++) if (inferersAt(h).includes(wid)) return true
        return false
      },
      'its inferences in a block again',
      10_000,
    )
  }, 60_000)

  it('slashes a reputer that signs two different loss bundles for one epoch, with the evidence in a block', async () => {
    const driver = driverOf(coordinator)
    const rid = reputer.node.participantId
    let held: string | undefined
    await waitFor(
      () => {
        const tip = driver.chain.topics.get('stakes')!.lastEpoch
        for (let e = tip; e >= tip - 3 && held === undefined; e--)
          held = driver.pool.submissions('loss-bundle', 'stakes', e).find((x) => x.signer === rid)?.id
        return held !== undefined
      },
      "a loss bundle of the reputer's in the pool",
      10_000,
    )
    const honest = decodeEnvelope(driver.pool.bytes(held!)!) as Envelope<'loss-bundle'>
    // The same slot, another network loss: validly signed by the reputer's key.
    const { signer: _signer, signature: _signature, ...unsigned } = honest
    const other = { ...unsigned, payload: { ...honest.payload, network: honest.payload.network + 0.25 } }
    const stake = selfStakeOf(ledger(), rid)
    const bytes = encodeEnvelope(
      signEnvelope(other as UnsignedEnvelope, reputer.identity.secretKey, reputer.identity.publicKey),
    )
    await worker.node.node.publishRaw(topicChannel('stakes', 'losses'), bytes)
    await waitFor(() => selfStakeOf(ledger(), rid) < stake, 'the reputer slashed', 10_000)
    const tip = driver.chain.height
    let evidence = 0
    for (let h = 1; h <= tip; h++) evidence += driver.blockAt(h)?.evidence.length ?? 0
    expect(evidence).toBe(1)
    expect(ledger().slashedEvidence.has(`${rid}/loss-bundle/stakes/${honest.epoch}`)).toBe(true)
  }, 30_000)
})
