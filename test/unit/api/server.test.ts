/**
 * The API server on a node without a network (a real genesis and ledger, synthetic blocks
 * certified by a real committee): the read routes, and the life of a submitted transaction:
 * pending, committed, rejected when another tx takes its nonce, expired; back-to-back nonces;
 * bounded waits; what happens when the node cannot publish.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  startApiServer,
  verifyCommittedInference,
  type ApiServer,
  type ApiServerOptions,
} from '../../../src/api/index.js'
import { applyTx, readSignedTx, type LedgerState } from '../../../src/consensus/ledger/index.js'
import { peerIdOfParticipant, type NodeIdentity } from '../../../src/p2p/index.js'
import { encodeEnvelope, messageId, signEnvelope, toHex } from '../../../src/wire/index.js'
import { topicEpoch, unitChain, type UnitChain } from './helpers.js'

const servers: ApiServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(u: UnitChain, options: Partial<ApiServerOptions> = {}): Promise<ApiServer> {
  const server = await startApiServer(u.node, { host: '127.0.0.1', port: 0, ...options })
  servers.push(server)
  await server.indexed
  return server
}

// biome-ignore lint/suspicious/noExplicitAny: answers are untyped JSON, read field by field by the assertions
type Body = any

async function call(server: ApiServer, path: string, tx?: Uint8Array): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${server.url}${path}`, {
    method: tx === undefined ? 'GET' : 'POST',
    ...(tx === undefined
      ? {}
      : {
          body: JSON.stringify({ tx: Buffer.from(tx).toString('base64') }),
          headers: { 'content-type': 'application/json' },
        }),
  })
  return { status: res.status, body: await res.json() }
}

function signedTx(
  u: UnitChain,
  who: NodeIdentity,
  accountNonce: number,
  kind: 'transfer' | 'propose' | 'vote',
  body: Record<string, string | number>,
): Uint8Array {
  return encodeEnvelope(
    signEnvelope(
      {
        type: 'tx',
        chainId: u.genesis.chainId,
        topicId: '',
        epoch: 0,
        nonce: new Uint8Array(0),
        payload: { kind, accountNonce, body },
      },
      who.secretKey,
      who.publicKey,
    ),
  )
}

function transfer(u: UnitChain, who: NodeIdentity, accountNonce: number, to: string, amount: string): Uint8Array {
  return signedTx(u, who, accountNonce, 'transfer', { to, amount })
}

/** The ledger after `txs`, as a block applying them would leave it. */
function ledgerAfter(u: UnitChain, txs: Uint8Array[]): LedgerState {
  let ledger = u.chain().ledger
  for (const bytes of txs) {
    const read = readSignedTx(bytes, u.genesis.chainId)
    if (!read.ok) throw new Error(read.reason)
    const r = applyTx(ledger, read.tx, { height: u.chain().height + 1, epoch: 0 })
    if (!r.ok) throw new Error(r.reason)
    ledger = r.state
  }
  return ledger
}

const idOf = (bytes: Uint8Array): string => toHex(messageId(bytes))

/** Until the server follows `tx` as pending (its POST has reached it). */
async function pendingAt(server: ApiServer, tx: Uint8Array): Promise<void> {
  const deadline = Date.now() + 5000
  while ((await call(server, `/v1/tx/${idOf(tx)}`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('the tx never became pending')
  }
}

describe('API server (no network)', () => {
  it('listens where told and serves the read routes', async () => {
    const u = await unitChain()
    u.commit({ topicEpochs: [topicEpoch('unit', 0, 10), topicEpoch('unit', 1, null)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 2, 12, [0])] })
    const server = await serve(u)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    u.commit({ topicEpochs: [topicEpoch('unit', 3, null), topicEpoch('unit', 4, 14.5)] })

    expect((await call(server, '/v1/health')).body).toEqual({ ok: true, height: 3 })
    const status = (await call(server, '/v1/status')).body
    expect(status).toMatchObject({
      height: 3,
      role: 'worker',
      peers: 2,
      committeeMember: false,
      chainId: u.genesis.chainId,
    })
    expect(status.committee).toHaveLength(4)
    expect(status.topics).toEqual([{ id: 'unit', lastEpoch: 4 }])

    const inference = (await call(server, '/v1/topics/unit/inference')).body
    expect(inference).toMatchObject({ topicId: 'unit', epoch: 4, value: 14.5, naiveInference: 7.25, height: 3 })
    expect(verifyCommittedInference(inference, u.genesis).ok).toBe(true)

    const settled = (await call(server, '/v1/topics/unit/epochs/0')).body
    expect(settled).toMatchObject({ topicId: 'unit', epoch: 0, height: 1, settles: [] })
    expect(settled.output.networkInference).toBe(10)
    // An id table comes out as a nested map of its present entries.
    expect(Object.values(settled.output.oneOutInfererForecastImpliedInferences)).toEqual([{ ['ab'.repeat(32)]: 1.5 }])
    expect(settled.settlement).toMatchObject({ status: 'settled', height: 2, atEpoch: 2 })
    expect(settled.settlement.rewards.inferers).toEqual({ ['ab'.repeat(32)]: 10 })
    // The commit of block 1: three of the four members, in round 0.
    expect(settled.certificate).toEqual({ round: 0, signers: u.members.slice(0, 3).map((m) => toHex(m.publicKey)) })
    expect((await call(server, '/v1/topics/unit/epochs/1')).body.settlement).toEqual({ status: 'none' })
    expect((await call(server, '/v1/topics/unit/epochs/2')).body.settlement).toEqual({ status: 'awaiting' })
    expect((await call(server, '/v1/topics/unit/epochs/2')).body.settles).toEqual([0])
    expect((await call(server, '/v1/topics/unit/epochs/5')).status).toBe(404)

    const topic = (await call(server, '/v1/topics/unit')).body
    expect(topic).toMatchObject({
      id: 'unit',
      runs: true,
      lastEpoch: 4,
      unsettled: [2, 4],
      latestInference: { epoch: 4, height: 3 },
    })
    expect(topic.workers.map((w: { id: string }) => w.id).sort()).toEqual(
      u.accounts.map((a) => toHex(a.publicKey)).sort(),
    )

    const block = (await call(server, '/v1/blocks/2')).body
    expect(block).toMatchObject({
      height: 2,
      topicEpochs: [{ topicId: 'unit', epoch: 2, networkInference: 12, settles: [0] }],
    })
    expect(block.certificateSigners).toHaveLength(3)

    const account = (await call(server, `/v1/accounts/${toHex(u.members[0].publicKey)}`)).body
    expect(account).toMatchObject({ exists: true, committeePower: 1_000_000, nonce: 0 })

    // Prometheus' text format, read-only: the blocks committed since the server started.
    const metrics = await fetch(`${server.url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(await metrics.text()).toMatch(/^chorus_blocks_committed_total 1$/m)
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(404)
  })

  it('streams a block event per commit to live clients, and turns them away past the cap', async () => {
    const u = await unitChain()
    const server = await serve(u, { live: { maxClients: 1 } })
    const abort = new AbortController()
    const res = await fetch(`${server.url}/v1/events`, { signal: abort.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect((await call(server, '/v1/events')).body.error.code).toBe('busy')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    u.commit({ topicEpochs: [topicEpoch('unit', 0, 10), topicEpoch('unit', 1, null)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 2, 12, [0])] })
    while (!text.includes('id: 2\n')) text += new TextDecoder().decode((await reader.read()).value)
    const events = text
      .split('\n\n')
      .filter((e) => e.includes('event: block'))
      .map((e) => JSON.parse(e.split('data: ')[1]))
    expect(events.map((e) => e.height)).toEqual([1, 2])
    expect(events[0].epochs).toEqual([
      expect.objectContaining({ topic: 'unit', epoch: 0, networkInference: 10, settled: [] }),
    ])
    expect(events[1].epochs[0].settled[0]).toEqual({
      epoch: 0,
      losses: { network: -1, naive: -0.5, bestWorker: -1, inferers: { ['ab'.repeat(32)]: -1 } },
      rewards: { inferers: { ['ab'.repeat(32)]: 10 }, forecasters: {}, reputers: {} },
      reputerScores: {},
    })
    abort.abort()
    // The server still closes promptly with a stream open (afterEach closes it).
  })

  it('serves the dashboard: its page, its files from memory, the recent blocks', async () => {
    const u = await unitChain()
    u.commit({ topicEpochs: [topicEpoch('unit', 0, 10)] })
    const server = await serve(u)
    u.commit({ topicEpochs: [topicEpoch('unit', 1, 11, [0])] })
    const page = await fetch(`${server.url}/`)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('<script type="module" src="/assets/app.js"></script>')
    for (const file of ['app.js', 'style.css', 'uPlot.esm.js', 'uPlot.min.css']) {
      const res = await fetch(`${server.url}/assets/${file}`)
      expect(res.status, file).toBe(200)
      expect((await res.text()).length).toBeGreaterThan(100)
    }
    expect((await fetch(`${server.url}/assets/..%2Fpackage.json`)).status).toBe(404)
    // Both blocks, the one from before the server started read back from the store.
    const history = (await call(server, '/v1/dashboard/history')).body
    expect(history.blocks.map((b: { height: number }) => b.height)).toEqual([1, 2])
    expect(history.blocks[0]).toMatchObject({ commitMs: null, epochs: [{ topic: 'unit', networkInference: 10 }] })
    expect((await call(server, '/v1/dashboard/history?limit=1')).body.blocks).toHaveLength(1)
    expect((await call(server, '/v1/dashboard/history?limit=-1')).status).toBe(400)
  })

  it('lists governance proposals with their votes', async () => {
    const u = await unitChain()
    const server = await serve(u)
    // A worker of the unit genesis holds stake: it proposes and votes.
    const [who] = u.accounts
    const txs = [
      signedTx(u, who, 0, 'propose', { param: 'unbondingEpochs', value: '7', height: 40 }),
      signedTx(u, who, 1, 'vote', { proposal: 0, choice: 'yes' }),
    ]
    u.commit({ txs, ledger: ledgerAfter(u, txs) })
    const committee = (await call(server, '/v1/committee')).body
    expect(committee.members).toHaveLength(4)
    expect(committee).toMatchObject({ height: 2, next: { height: 3 }, lastHandoff: 0, election: { size: 4, lag: 2 } })
    expect(committee.totalPower).toBe(committee.members.reduce((s: number, m: { power: number }) => s + m.power, 0))
    expect(committee.members[0]).toEqual({
      id: expect.any(String),
      power: expect.any(Number),
      stake: expect.stringMatching(/^\d+$/),
    })
    expect(committee.candidates.map((c: { id: string }) => c.id)).toEqual(
      committee.members.map((m: { id: string }) => m.id),
    )
    const body = (await call(server, '/v1/proposals')).body
    expect(body.params).toContain('emissionPerEpoch')
    expect(body.proposals).toEqual([
      {
        id: 0,
        proposer: toHex(who.publicKey),
        param: 'unbondingEpochs',
        value: '7',
        height: 40,
        status: 'voting',
        votes: { [toHex(who.publicKey)]: 'yes' },
        tally: null,
      },
    ])
  })

  it('tells the dashboard how each height was committed, the ground truth, and the peers by role', async () => {
    const u = await unitChain()
    const truths = new Map([[0, 9.5]])
    const [member, worker] = [u.members[1], u.accounts[1]].map((i) => peerIdOfParticipant(toHex(i.publicKey)))
    const node = {
      ...u.node,
      groundTruth: (_topic: string, epoch: number) => truths.get(epoch),
      connectedPeers: () => [worker, member, 'not-a-peer-id'],
    }
    const server = await startApiServer(node, { host: '127.0.0.1', port: 0 })
    servers.push(server)
    u.commit({ topicEpochs: [topicEpoch('unit', 0, 10)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 1, 11)] })
    const history = (await call(server, '/v1/dashboard/history')).body
    // Block 2 carries the commit of height 1: round 0, three of the four members.
    expect(history.blocks[0].lastCommit).toEqual({ height: 0, round: null, signers: [] })
    expect(history.blocks[1].lastCommit).toEqual({
      height: 1,
      round: 0,
      signers: u.members.slice(0, 3).map((m) => toHex(m.publicKey)),
    })
    // Epoch 1's truth is not known yet; when it is, the live stream says so.
    expect(history.truths).toEqual([{ topic: 'unit', epoch: 0, value: 9.5 }])
    const abort = new AbortController()
    const reader = (
      (await fetch(`${server.url}/v1/events`, { signal: abort.signal })).body as ReadableStream<Uint8Array>
    ).getReader()
    truths.set(1, 10.5)
    u.commit({ topicEpochs: [topicEpoch('unit', 2, 12)] })
    let text = ''
    while (!text.includes('event: truth')) text += new TextDecoder().decode((await reader.read()).value)
    const truth = text.split('\n\n').find((e) => e.includes('event: truth')) ?? ''
    expect(JSON.parse(truth.split('data: ')[1])).toEqual({ topic: 'unit', epoch: 1, value: 10.5 })
    abort.abort()

    const network = (await call(server, '/v1/dashboard/network')).body
    expect(network.peers).toEqual(
      expect.arrayContaining([
        { peerId: member, participant: toHex(u.members[1].publicKey), roles: ['coordinator'], topics: [] },
        { peerId: worker, participant: toHex(u.accounts[1].publicKey), roles: ['worker'], topics: ['unit'] },
        { peerId: 'not-a-peer-id', participant: null, roles: [], topics: [] },
      ]),
    )
    expect(network.roleCounts).toEqual({ coordinator: 1, worker: 1, none: 1 })
    expect(network.self.roles).toEqual(['worker'])
    expect(network.live).toEqual({ clients: expect.any(Number), refused: 0, dropped: 0 })
    expect((await fetch(`${server.url}/v1/dashboard/network`, { method: 'POST' })).status).toBe(404)
  })

  it('follows a tx from pending to committed, accepts back-to-back nonces, waits when asked', async () => {
    const u = await unitChain()
    const server = await serve(u)
    const [a, b] = u.accounts
    const to = toHex(b.publicKey)
    const first = transfer(u, a, 0, to, '100')
    const second = transfer(u, a, 1, to, '200')
    expect(await call(server, '/v1/tx', first)).toMatchObject({
      status: 202,
      body: { id: idOf(first), status: 'pending' },
    })
    // Nonce 1 before nonce 0 is committed: checked after this API's pending nonce 0.
    expect((await call(server, '/v1/tx', second)).status).toBe(202)
    // A gap is refused.
    const gap = await call(server, '/v1/tx', transfer(u, a, 3, to, '1'))
    expect(gap).toMatchObject({ status: 422, body: { error: { code: 'nonce', ledgerCode: 'FUTURE_NONCE' } } })
    // Resubmitting pending bytes publishes nothing more.
    expect((await call(server, '/v1/tx', first)).body.status).toBe('pending')
    expect(u.node.published.map(idOf)).toEqual([idOf(first), idOf(second)])

    const stored = u.commit({ txs: [first], ledger: ledgerAfter(u, [first]) })
    expect((await call(server, `/v1/tx/${idOf(first)}`)).body).toEqual({
      id: idOf(first),
      status: 'committed',
      height: 1,
      blockHash: toHex(stored.hash),
    })
    u.commit({ txs: [second], ledger: ledgerAfter(u, [second]) })
    expect((await call(server, `/v1/tx/${idOf(second)}`)).body).toMatchObject({ status: 'committed', height: 2 })
    // A waiting POST is answered by the commit.
    const third = transfer(u, a, 2, to, '300')
    const waiting = call(server, '/v1/tx?wait=1', third)
    await pendingAt(server, third)
    u.commit({ txs: [third], ledger: ledgerAfter(u, [third]) })
    expect(await waiting).toMatchObject({ status: 200, body: { id: idOf(third), status: 'committed', height: 3 } })
  })

  it('reports a pending tx rejected when another tx takes its nonce', async () => {
    const u = await unitChain()
    const server = await serve(u)
    const [a, b] = u.accounts
    const mine = transfer(u, a, 0, toHex(b.publicKey), '5')
    expect((await call(server, '/v1/tx', mine)).status).toBe(202)
    // The same account signed another tx with nonce 0, sent elsewhere; a block holds that one.
    const other = transfer(u, a, 0, toHex(b.publicKey), '6')
    u.commit({ txs: [other], ledger: ledgerAfter(u, [other]) })
    expect((await call(server, `/v1/tx/${idOf(mine)}`)).body).toMatchObject({
      status: 'rejected',
      code: 'nonce',
      ledgerCode: 'REPLAYED_NONCE',
    })
    // The other one was never submitted here, but a block holds it.
    expect((await call(server, `/v1/tx/${idOf(other)}`)).body).toMatchObject({ status: 'committed', height: 1 })
  })

  it('bounds pending txs, expires old ones, and says when the node cannot publish', async () => {
    const u = await unitChain()
    let now = Date.now()
    const server = await serve(u, { tx: { maxPending: 1, pendingTtlMs: 1000, now: () => now } })
    const [a, b] = u.accounts
    const first = transfer(u, a, 0, toHex(b.publicKey), '1')
    expect((await call(server, '/v1/tx', first)).status).toBe(202)
    const full = await call(server, '/v1/tx', transfer(u, b, 0, toHex(a.publicKey), '1'))
    expect(full).toMatchObject({ status: 503, body: { error: { code: 'too-many-pending' } } })
    now += 1001
    u.commit({})
    expect((await call(server, `/v1/tx/${idOf(first)}`)).body).toMatchObject({ status: 'expired' })

    u.node.failPublish = true
    const unpublished = transfer(u, b, 0, toHex(a.publicKey), '2')
    expect(await call(server, '/v1/tx', unpublished)).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable' } },
    })
    expect((await call(server, `/v1/tx/${idOf(unpublished)}`)).status).toBe(404)
  })

  it('answers a bounded wait with the pending status, and close() answers waiters at once', async () => {
    const u = await unitChain()
    const server = await startApiServer(u.node, { host: '127.0.0.1', port: 0, txWaitMs: 50 })
    const [a, b] = u.accounts
    const timedOut = await call(server, '/v1/tx?wait=1', transfer(u, a, 0, toHex(b.publicKey), '1'))
    expect(timedOut).toMatchObject({ status: 202, body: { status: 'pending' } })
    const slow = await startApiServer(u.node, { host: '127.0.0.1', port: 0, txWaitMs: 60_000 })
    const tx = transfer(u, b, 0, toHex(a.publicKey), '1')
    const waiting = call(slow, '/v1/tx?wait=1', tx)
    await pendingAt(slow, tx)
    const started = Date.now()
    await slow.close()
    expect((await waiting).status).toBe(202)
    expect(Date.now() - started).toBeLessThan(5000)
    await server.close()
  })
})
