/**
 * The consumer API on a real cluster (nodes over TCP on 127.0.0.1): every route, the 4xx of
 * each bad input, a transfer that goes in through the API and is reported committed, and an
 * inference answer that a consumer verifies with the genesis alone (and that no tampering
 * survives).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import {
  startApiServer,
  verifyCommittedInference,
  type ApiNode,
  type ApiServer,
  type CommittedInference,
} from '../../src/api/index.js'
import { blockHash } from '../../src/consensus/chain/block.js'
import { genesisHash, parseGenesis, type Genesis } from '../../src/consensus/ledger/index.js'
import { generateIdentity, type NodeIdentity } from '../../src/p2p/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import {
  decodeEnvelope,
  encodeEnvelope,
  globalChannel,
  messageId,
  readEnvelope,
  signEnvelope,
  toHex,
  type Envelope,
  type MessageType,
  type UnsignedEnvelope,
} from '../../src/wire/index.js'
import { waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'api', name: 'api test', epochMs: 250, groundTruth: 'synthetic:7' }, 'api')

/** The adapter the node composition provides, written here from a cluster member. */
function apiNodeOf(member: ClusterMember, genesis: Genesis, published: Uint8Array[]): ApiNode {
  const { node, driver } = member.node
  return {
    genesis,
    participantId: node.participantId,
    peerId: node.peerId,
    role: member.role,
    listenAddrs: () => node.multiaddrs(),
    connectedPeers: () => node.connectedPeers(),
    chain: () => driver.chain,
    block: (height) => driver.storedBlock(height),
    events: driver.events,
    publishTx: async (bytes) => {
      published.push(bytes)
      // Gossip does not deliver a node's own messages to it: a committee member pools its own.
      if (driver.isMember()) driver.pool.add(toHex(messageId(bytes)), decodeEnvelope(bytes), bytes)
      await node.publishRaw(globalChannel('tx'), bytes)
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: answers are untyped JSON, read field by field by the assertions
type Body = any
type Answer = { status: number; body: Body }

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

describe('consumer API', () => {
  let cluster: LocalCluster
  let member: ClusterMember
  let sender: NodeIdentity
  let receiver: string
  let server: ApiServer
  const published: Uint8Array[] = []

  const get = async (path: string): Promise<Answer> => {
    const res = await fetch(`${server.url}${path}`)
    return { status: res.status, body: await res.json() }
  }
  const post = async (path: string, body: string, type = 'application/json'): Promise<Answer> => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': type } })
    return { status: res.status, body: await res.json() }
  }
  const sign = <T extends MessageType>(unsigned: UnsignedEnvelope<T>, who = sender): Uint8Array =>
    encodeEnvelope(signEnvelope(unsigned, who.secretKey, who.publicKey))
  const tx = (accountNonce: number, kind: 'transfer' | 'stake', body: Record<string, string>, chainId?: string) =>
    ({
      type: 'tx',
      chainId: chainId ?? cluster.genesis.chainId,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind, accountNonce, body },
    }) as UnsignedEnvelope<'tx'>
  const postTx = (bytes: Uint8Array, query = '') => post(`/v1/tx${query}`, JSON.stringify({ tx: b64(bytes) }))

  beforeAll(async () => {
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 2, workers: 2, reputers: 1, startDelayMs: 800 })
    const workers = cluster.members.filter((m) => m.role === 'worker')
    member = workers[0]
    sender = workers[1].identity
    receiver = workers[0].node.participantId
    // Blocks before the server starts, so its index starts with a backfill.
    await waitFor(() => member.node.driver.chain.height >= 2, 'two blocks at the API node', 15_000)
    server = await startApiServer(apiNodeOf(member, cluster.genesis, published), { host: '127.0.0.1', port: 0 })
    await server.indexed
  }, 30_000)
  afterAll(async () => {
    await server?.close()
    await cluster?.stop()
  })

  it('serves health, status and the genesis', async () => {
    const health = await get('/v1/health')
    expect(health.status).toBe(200)
    expect(health.body.ok).toBe(true)
    expect(health.body.height).toBeGreaterThanOrEqual(2)

    const status = (await get('/v1/status')).body
    expect(status.participantId).toBe(member.node.participantId)
    expect(status.peerId).toBe(member.node.node.peerId)
    expect(status.role).toBe('worker')
    expect(status.committeeMember).toBe(false)
    expect(status.listenAddrs).toEqual(member.node.node.multiaddrs())
    expect(status.peers).toBeGreaterThan(0)
    expect(status.committee.map((m: { id: string }) => m.id).sort()).toEqual(
      cluster.genesis.committee.map((m) => m.id).sort(),
    )
    expect(status.lastBlock.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(status.topics).toEqual([{ id: 'api', lastEpoch: expect.any(Number) }])

    const genesis = (await get('/v1/genesis')).body
    expect(genesis.hash).toBe(genesisHash(cluster.genesis))
    expect(parseGenesis(genesis.genesis, 'api')).toEqual(cluster.genesis)
  })

  it('serves metrics that move as blocks commit, and the peers by the roles the ledger gives them', async () => {
    const series = (text: string, name: string): number =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.split(' ')[1] ?? Number.NaN,
      )
    const metrics = async () => (await fetch(`${server.url}/metrics`)).text()
    const before = await metrics()
    const height = member.node.driver.chain.height
    await waitFor(() => member.node.driver.chain.height >= height + 2, 'two more blocks', 15_000)
    const after = await metrics()
    expect(series(after, 'chorus_blocks_committed_total')).toBeGreaterThanOrEqual(
      series(before, 'chorus_blocks_committed_total') + 2,
    )
    expect(series(after, 'chorus_epochs_committed_total{topic="api"}')).toBeGreaterThan(0)
    // A worker follows the chain: it executes each block it adopts.
    expect(series(after, 'chorus_block_execution_seconds_count{as="follower"}')).toBeGreaterThan(0)

    const network = (await get('/v1/dashboard/network')).body
    const coordinators = cluster.members.filter((m) => m.role === 'coordinator').map((m) => m.node.participantId)
    const shown = network.peers.filter((p: { roles: string[] }) => p.roles.includes('coordinator'))
    expect(shown.map((p: { participant: string }) => p.participant).sort()).toEqual(coordinators.sort())
    expect(network.self).toMatchObject({ participant: member.node.participantId, roles: ['worker'], topics: ['api'] })
  })

  it('lists topics and describes one', async () => {
    const list = (await get('/v1/topics')).body
    expect(list.topics).toHaveLength(1)
    expect(list.topics[0]).toMatchObject({ id: 'api', epochMs: 250, runs: true, workers: 2, reputers: 1 })
    const t = (await get('/v1/topics/api')).body
    expect(t.definition).toMatchObject({ name: 'api test', epochMs: 250, groundTruth: 'synthetic', groundTruthLag: 1 })
    expect(t.workers).toHaveLength(2)
    expect(t.reputers).toHaveLength(1)
    expect(t.workers.every((w: { active: boolean; stake: string }) => w.active && /^\d+$/.test(w.stake))).toBe(true)
    expect(t.revenue).toMatch(/^\d+$/)
    expect(t.active).toBe(true)
    expect(t.lastEpoch).toBeGreaterThanOrEqual(0)
  })

  it('answers the latest inference with a proof a consumer verifies, and no tampering survives', async () => {
    await waitFor(() => member.node.driver.chain.topics.get('api')!.unsettled.length > 0, 'a network inference', 15_000)
    const res = await get('/v1/topics/api/inference')
    expect(res.status).toBe(200)
    const answer = res.body as CommittedInference
    const block = member.node.driver.blockAt(answer.height)!
    const entry = block.topicEpochs.find((e) => e.topicId === 'api' && e.epoch === answer.epoch)!
    expect(answer.value).toBe(entry.output!.networkInference)
    expect(toHex(blockHash(Buffer.from(answer.proof.block, 'base64')))).toBe(answer.blockHash)

    const genesisFile = (await get('/v1/genesis')).body.genesis
    const verdict = verifyCommittedInference(answer, genesisFile)
    expect(verdict).toEqual({
      ok: true,
      topicId: 'api',
      value: answer.value,
      epoch: answer.epoch,
      height: answer.height,
      blockHash: answer.blockHash,
    })
    expect(verifyCommittedInference(answer, cluster.genesis).ok).toBe(true)

    const rejects = (tampered: unknown, genesis: Genesis = cluster.genesis): string => {
      const v = verifyCommittedInference(tampered, genesis)
      expect(v.ok).toBe(false)
      return v.ok ? '' : v.reason
    }
    // A changed value, a changed epoch.
    expect(rejects({ ...answer, value: answer.value + 1e-9 })).toMatch(/network inference/)
    expect(rejects({ ...answer, epoch: answer.epoch + 1000 })).toMatch(/does not commit epoch/)
    // A forged signature, a missing one.
    const votes = answer.proof.certificate.map((v) => Buffer.from(v, 'base64'))
    const forged = new Uint8Array(votes[0])
    forged[forged.length - 1] ^= 1
    const withVotes = (certificate: Uint8Array[]) => ({
      ...answer,
      proof: { ...answer.proof, certificate: certificate.map(b64) },
    })
    expect(rejects(withVotes([forged, ...votes.slice(1)]))).toMatch(/signature/)
    expect(rejects(withVotes(votes.slice(1)))).toMatch(/quorum/)
    // A certificate of another committee: its own precommits for this very block.
    const others = await Promise.all(cluster.genesis.committee.map(() => generateIdentity()))
    const precommit = readEnvelope(votes[0]).envelope as Envelope<'vote'>
    const foreign = others.map((who) => sign(precommit, who))
    expect(rejects(withVotes(foreign))).toMatch(/non-member/)
    // (Valid for its own committee: only the committee tells it apart.)
    const otherGenesis = { ...cluster.genesis, committee: others.map((o) => ({ id: toHex(o.publicKey), power: 1 })) }
    expect(verifyCommittedInference(withVotes(foreign), otherGenesis).ok).toBe(true)
    // ...and the real certificate checked against another committee.
    expect(rejects(answer, otherGenesis)).toMatch(/non-member/)
    // A block that is not the claimed one.
    expect(rejects({ ...answer, blockHash: '0'.repeat(64) })).toMatch(/hashes to/)
  })

  it('answers a committed epoch, and how it was settled', async () => {
    await waitFor(
      () => member.node.driver.chain.ledger.topics.get('api')!.lastSettledEpoch >= 0,
      'a settled epoch',
      15_000,
    )
    // The first settled epoch: the lowest one that had an output and is no longer awaited.
    const run = member.node.driver.chain.topics.get('api')!
    const latest = (await get('/v1/topics/api/inference')).body as CommittedInference
    let settled: Body
    for (let e = 0; e <= run.lastEpoch && settled === undefined; e++) {
      const r = await get(`/v1/topics/api/epochs/${e}`)
      expect(r.status).toBe(200)
      if (r.body.settlement.status === 'settled') settled = r.body
    }
    expect(settled).toBeDefined()
    expect(Object.keys(settled.inferences).length).toBeGreaterThan(0)
    expect(typeof settled.output.networkInference).toBe('number')
    expect(settled.output.weights).toHaveProperty('inferers')
    expect(settled.settlement.height).toBeGreaterThan(settled.height)
    expect(settled.settlement.lossBundleIds.length).toBeGreaterThan(0)
    expect(typeof settled.settlement.consensusLosses.network).toBe('number')
    expect(settled.settlement.rewards).toHaveProperty('inferers')
    // The latest inference's epoch has the same value at the epoch route.
    const same = (await get(`/v1/topics/api/epochs/${latest.epoch}`)).body
    expect(same.output.networkInference).toBe(latest.value)
    expect(same.height).toBe(latest.height)
  })

  it('serves blocks with their bytes and certificate', async () => {
    const first = await get('/v1/blocks/1')
    expect(first.status).toBe(200)
    expect(first.body.height).toBe(1)
    expect(toHex(blockHash(Buffer.from(first.body.bytes, 'base64')))).toBe(first.body.hash)
    expect(first.body.certificate.length).toBe(2)
    expect(first.body.certificateSigners.sort()).toEqual(cluster.genesis.committee.map((m) => m.id).sort())
    const latest = (await get('/v1/blocks/latest')).body
    expect(latest.height).toBeGreaterThanOrEqual(first.body.height)
    expect(latest.prevHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('serves accounts', async () => {
    const a = await get(`/v1/accounts/${toHex(sender.publicKey)}`)
    expect(a.status).toBe(200)
    expect(a.body).toMatchObject({ exists: true, nonce: 0, delegations: [], unbonding: [] })
    expect(BigInt(a.body.balance)).toBeGreaterThan(0n)
    expect(BigInt(a.body.stake)).toBeGreaterThan(0n)
    expect(a.body.registrations).toEqual([{ topicId: 'api', role: 'worker', active: true }])
    const nobody = await get(`/v1/accounts/${'ab'.repeat(32)}`)
    expect(nobody.body).toMatchObject({ exists: false, balance: '0', stake: '0', nonce: 0 })
  })

  it('takes a transfer, publishes it and reports it committed', async () => {
    const before = BigInt((await get(`/v1/accounts/${receiver}`)).body.balance)
    const bytes = sign(tx(0, 'transfer', { to: receiver, amount: '12345' }))
    const id = toHex(messageId(bytes))
    const res = await postTx(bytes, '?wait=1')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id, status: 'committed', height: expect.any(Number) })
    expect(published.map((b) => toHex(messageId(b)))).toEqual([id])
    const block = (await get(`/v1/blocks/${res.body.height}`)).body
    expect(block.hash).toBe(res.body.blockHash)
    expect(block.txs.map((t: { id: string }) => t.id)).toContain(id)
    expect((await get(`/v1/tx/${id}`)).body).toEqual(res.body)
    const after = BigInt((await get(`/v1/accounts/${receiver}`)).body.balance)
    expect(after - before).toBeGreaterThanOrEqual(12345n)
    expect((await get(`/v1/accounts/${toHex(sender.publicKey)}`)).body.nonce).toBe(1)
    // The same bytes again: already committed, nothing published.
    expect((await postTx(bytes)).body).toMatchObject({ id, status: 'committed' })
    // A second tx, without waiting: pending at once, then committed.
    const next = sign(tx(1, 'transfer', { to: receiver, amount: '1' }))
    const pending = await postTx(next)
    expect(pending.status).toBe(202)
    expect(pending.body).toMatchObject({ id: toHex(messageId(next)), status: 'pending' })
    await waitFor(
      () => member.node.driver.chain.ledger.accounts.get(toHex(sender.publicKey))!.nonce === 2,
      'second tx',
      10_000,
    )
    expect((await get(`/v1/tx/${pending.body.id}`)).body).toMatchObject({ status: 'committed' })
    expect(published).toHaveLength(2)
  })

  it('refuses bad input with the right 4xx and publishes nothing', async () => {
    const count = published.length
    const nonce = member.node.driver.chain.ledger.accounts.get(toHex(sender.publicKey))!.nonce
    const stranger = await generateIdentity()
    const cases: [string, () => Promise<Answer>, number, string][] = [
      ['unknown topic', () => get('/v1/topics/nope'), 404, 'unknown-topic'],
      ['unknown topic inference', () => get('/v1/topics/nope/inference'), 404, 'unknown-topic'],
      ['bad topic id', () => get('/v1/topics/bad%20id'), 400, 'bad-request'],
      ['future epoch', () => get('/v1/topics/api/epochs/999999999'), 404, 'unknown-epoch'],
      ['bad epoch', () => get('/v1/topics/api/epochs/-1'), 400, 'bad-request'],
      ['bad epoch', () => get('/v1/topics/api/epochs/1.5'), 400, 'bad-request'],
      ['no block 0', () => get('/v1/blocks/0'), 404, 'not-found'],
      ['no such block', () => get('/v1/blocks/99999999'), 404, 'not-found'],
      ['bad height', () => get('/v1/blocks/abc'), 400, 'bad-request'],
      ['bad account', () => get('/v1/accounts/xyz'), 400, 'bad-request'],
      ['unknown tx', () => get(`/v1/tx/${'0'.repeat(64)}`), 404, 'not-found'],
      ['bad tx id', () => get('/v1/tx/123'), 400, 'bad-request'],
      ['no route', () => get('/v1/nothing'), 404, 'not-found'],
      ['not JSON', () => post('/v1/tx', '{"tx":'), 400, 'bad-request'],
      ['not JSON at all', () => post('/v1/tx', 'tx=1', 'text/plain'), 415, 'unsupported-media-type'],
      ['no tx field', () => post('/v1/tx', '{"envelope":"AA=="}'), 400, 'bad-request'],
      ['not base64', () => post('/v1/tx', '{"tx":"not base64!"}'), 400, 'bad-request'],
      [
        'bad wait',
        () => postTx(sign(tx(nonce, 'transfer', { to: receiver, amount: '1' })), '?wait=maybe'),
        400,
        'bad-request',
      ],
      ['body too large', () => post('/v1/tx', JSON.stringify({ tx: 'A'.repeat(20_000) })), 413, 'payload-too-large'],
      ['envelope too large', () => postTx(new Uint8Array(8 * 1024 + 3)), 413, 'payload-too-large'],
      ['not an envelope', () => postTx(Uint8Array.of(1, 2, 3)), 400, 'bad-envelope'],
      [
        'not a tx',
        () =>
          postTx(
            sign({
              type: 'vote',
              chainId: cluster.genesis.chainId,
              topicId: '',
              epoch: 1,
              nonce: new Uint8Array(0),
              payload: { height: 1, round: 0, step: 'precommit', blockHash: null },
            }),
          ),
        400,
        'not-a-tx',
      ],
      [
        'wrong chain',
        () => postTx(sign(tx(nonce, 'transfer', { to: receiver, amount: '1' }, 'another-chain'))),
        400,
        'wrong-chain',
      ],
      [
        'bad signature',
        () => postTx(tamperedSignature(sign(tx(nonce, 'transfer', { to: receiver, amount: '1' })))),
        400,
        'bad-signature',
      ],
      [
        'bad payload',
        () =>
          postTx(
            sign({ ...tx(nonce, 'transfer', {}), payload: { kind: 'mint', accountNonce: nonce, body: {} } } as never),
          ),
        400,
        'bad-payload',
      ],
      [
        'overdraft',
        () => postTx(sign(tx(nonce, 'transfer', { to: receiver, amount: (10n ** 30n).toString() }))),
        422,
        'insufficient-funds',
      ],
      ['replayed nonce', () => postTx(sign(tx(0, 'transfer', { to: receiver, amount: '2' }))), 422, 'nonce'],
      ['future nonce', () => postTx(sign(tx(nonce + 5, 'transfer', { to: receiver, amount: '2' }))), 422, 'nonce'],
      ['bad amount', () => postTx(sign(tx(nonce, 'stake', { amount: '-1' }))), 422, 'bad-tx'],
      [
        'unknown account',
        () => postTx(sign(tx(0, 'transfer', { to: receiver, amount: '1' }), stranger)),
        422,
        'unknown-account',
      ],
    ]
    for (const [what, request, status, code] of cases) {
      const res = await request()
      expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status, code })
      expect(typeof res.body.error.message).toBe('string')
    }
    const overdraft = await postTx(sign(tx(nonce, 'transfer', { to: receiver, amount: (10n ** 30n).toString() })))
    expect(overdraft.body.error.ledgerCode).toBe('INSUFFICIENT_BALANCE')
    expect(overdraft.body.error.message).toMatch(/balance/)
    // A tx the ledger refused is reported as rejected, with the ledger's reason.
    const refusedId = toHex(messageId(sign(tx(nonce, 'transfer', { to: receiver, amount: (10n ** 30n).toString() }))))
    expect((await get(`/v1/tx/${refusedId}`)).body).toMatchObject({ status: 'rejected', code: 'insufficient-funds' })
    expect(published).toHaveLength(count)
  })
})

function tamperedSignature(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes)
  out[out.length - 1] ^= 1
  return out
}
