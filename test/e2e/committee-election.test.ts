/**
 * The committee chosen by stake, over gossip: five coordinators, four of them the genesis
 * committee (size 4). One member unstakes below the others; the fifth coordinator stands as a
 * candidate; the election after that block hands the committee over two heights later: the
 * newcomer proposes and signs certificates, the member that unstaked follows. The chain does
 * not miss an epoch across the hand-off, and every node holds the same schedule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { decodeBlock } from '../../src/consensus/chain/block.js'
import { decodeEnvelope, toHex } from '../../src/wire/index.js'
import { COMMITTEE_LAG, committeeAt, genesisToJson, TOKEN, type GenesisFile } from '../../src/consensus/ledger/index.js'
import {
  startApiServer,
  verifyCommittedInference,
  type CommittedInference,
  type GenesisCommittee,
} from '../../src/api/index.js'
import { apiNodeOf } from '../../src/node/api-node.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { txSubmitter } from '../utils/submit-tx.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'seats', name: 'seats', epochMs: 500, groundTruth: 'synthetic:5' }, 'seats')

describe('a committee elected by stake', () => {
  let cluster: LocalCluster
  let coordinators: ClusterMember[]
  let newcomer: ClusterMember
  let leaving: ClusterMember
  const send = txSubmitter(() => cluster)
  let lastHandoff = 0

  beforeAll(async () => {
    let outsider = ''
    cluster = await LocalCluster.start({
      topics: [topic],
      coordinators: 5,
      workers: 3,
      reputers: 1,
      // The last coordinator is not in the genesis committee: it has its stake, but no seat.
      editGenesis: (file: GenesisFile) => {
        outsider = file.committee[4].id
        return { ...file, committee: file.committee.slice(0, 4), committeeElection: { size: 4 } }
      },
    })
    coordinators = cluster.members.filter((m) => m.role === 'coordinator')
    newcomer = coordinators.find((m) => m.node.participantId === outsider)!
    leaving = coordinators.find((m) => m !== newcomer)!
    await waitFor(() => driverOf(leaving).chain.height >= 2, 'two blocks', 15_000)
  }, 30_000)
  afterAll(() => cluster?.stop())

  it('hands the committee over with no missed epoch', async () => {
    const member = coordinators.find((m) => m !== newcomer && m !== leaving)!
    const chain = () => driverOf(member).chain
    expect(driverOf(newcomer).isMember()).toBe(false)
    expect(chain().committee.has(leaving.node.participantId)).toBe(true)

    await send(leaving.identity, member, 'unstake', { amount: String(60n * TOKEN) })
    await send(newcomer.identity, member, 'candidacy', { stand: true })
    await waitFor(() => chain().ledger.lastHandoff > 0, 'a hand-off', 15_000)
    const handoff = chain().ledger.lastHandoff
    const block = decodeBlock(driverOf(member).storedBlock(handoff)!.bytes)
    const elected = block.handoff.map((m) => m.id)
    expect(elected).toContain(newcomer.node.participantId)
    expect(elected).not.toContain(leaving.node.participantId)
    expect(elected).toHaveLength(4)
    expect(block.prevHandoff).toBe(0)
    // Every node computed the same schedule from the same state.
    await waitFor(
      () => cluster.members.every((c) => driverOf(c).chain.height >= handoff),
      'every node past the hand-off',
      10_000,
    )
    for (const c of cluster.members)
      expect(committeeAt(driverOf(c).chain.ledger, handoff + COMMITTEE_LAG)?.map((m) => m.id)).toEqual(elected)

    // The newcomer decides from handoff + LAG on: its precommits certify blocks, and it proposes.
    const firstNew = handoff + COMMITTEE_LAG
    await waitFor(() => chain().height >= firstNew + 12, 'a dozen blocks of the new committee', 20_000)
    expect(driverOf(newcomer).isMember()).toBe(true)
    expect(driverOf(leaving).isMember()).toBe(false)
    const signersOf = (height: number): string[] =>
      decodeBlock(driverOf(member).storedBlock(height + 1)!.bytes).lastCommit.map((v) =>
        toHex(decodeEnvelope(v).signer),
      )
    const proposers = new Set<string>()
    for (let h = firstNew; h < firstNew + 10; h++) {
      const signers = signersOf(h)
      expect(signers).not.toContain(leaving.node.participantId)
      expect(signers.every((s) => elected.includes(s))).toBe(true)
      proposers.add(decodeBlock(driverOf(member).storedBlock(h)!.bytes).proposer)
    }
    expect([...Array(10).keys()].some((i) => signersOf(firstNew + i).includes(newcomer.node.participantId))).toBe(true)
    expect(proposers.has(newcomer.node.participantId)).toBe(true)
    expect(proposers.has(leaving.node.participantId)).toBe(false)

    // No missed height: every block across the hand-off was decided in its first round, and
    // every epoch from before the hand-off to after it was closed by a block. (Whether each has
    // all its inferences depends on the machine's load, not on the hand-off.)
    const roundOf = (height: number): number =>
      (
        decodeEnvelope(decodeBlock(driverOf(member).storedBlock(height + 1)!.bytes).lastCommit[0]).payload as {
          round: number
        }
      ).round
    for (let h = handoff; h <= firstNew + 10; h++) expect(roundOf(h), `the round of height ${h}`).toBe(0)
    const epochs = new Set<number>()
    for (let h = Math.max(2, handoff - 5); h <= firstNew + 10; h++)
      for (const e of decodeBlock(driverOf(member).storedBlock(h)!.bytes).topicEpochs) epochs.add(e.epoch)
    const numbers = [...epochs].sort((a, b) => a - b)
    expect(numbers.at(-1)! - numbers[0] + 1).toBe(numbers.length)
    // The member that left still follows the chain.
    await waitFor(() => driverOf(leaving).chain.height >= firstNew + 10, 'the former member following', 10_000)
    lastHandoff = handoff
  }, 60_000)

  it('serves answers a client holding only the genesis verifies across the hand-off', async () => {
    expect(lastHandoff).toBeGreaterThan(0)
    const worker = cluster.members.find((m) => m.role === 'worker')!
    const server = await startApiServer(apiNodeOf(worker.node, cluster.genesis), { host: '127.0.0.1', port: 0 })
    try {
      await server.indexed
      const answer = (await (await fetch(`${server.url}/v1/topics/seats/inference`)).json()) as CommittedInference
      expect(answer.height).toBeGreaterThan(lastHandoff + COMMITTEE_LAG)
      expect(answer.proof.handoffs).toHaveLength(1)
      // The file form, as a client reads it from a trusted copy of the genesis.
      const genesisFile = JSON.parse(JSON.stringify(genesisToJson(cluster.genesis))) as GenesisCommittee
      expect(verifyCommittedInference(answer, genesisFile)).toMatchObject({ ok: true, value: answer.value })
      // Without the hand-off the genesis committee cannot vouch for the block.
      const cut = { ...answer, proof: { ...answer.proof, handoffs: [] } }
      expect(verifyCommittedInference(cut, genesisFile)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/hand-off is missing|certificate/),
      })
      const committee = (await (await fetch(`${server.url}/v1/committee`)).json()) as {
        members: { id: string }[]
        candidates: { id: string; eligible: boolean }[]
        lastHandoff: number
      }
      expect(committee.lastHandoff).toBe(lastHandoff)
      expect(committee.members.map((m) => m.id)).toContain(newcomer.node.participantId)
      expect(committee.candidates.find((c) => c.id === newcomer.node.participantId)?.eligible).toBe(true)
    } finally {
      await server.close()
    }
  }, 30_000)
})
