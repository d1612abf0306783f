import { describe, expect, it } from 'vitest'
import {
  computeBlock,
  genesisChainState,
  verifyBlock,
  BlockInvalid,
  type ChainState,
  type MessageLookup,
} from '../../../../src/consensus/chain/execution.js'
import {
  buildLocalGenesis,
  ledgerEpochAt,
  checkConservation,
  withGenesisTime,
} from '../../../../src/consensus/ledger/index.js'
import {
  encodeEnvelope,
  fromHex,
  messageId,
  signEnvelope,
  toHex,
  type Envelope,
  type UnsignedEnvelope,
} from '../../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'

const topic = parseTopicConfig({ id: 't1', name: 't1', epochMs: 1000, groundTruth: 'synthetic:1' }, 'test')
const ids = async (n: number): Promise<NodeIdentity[]> =>
  Promise.all(Array.from({ length: n }, () => generateIdentity()))
const hex = (i: NodeIdentity): string => toHex(i.publicKey)

async function setup() {
  const [committee, workers, reputers] = [await ids(1), await ids(3), await ids(2)]
  const genesis = withGenesisTime(
    buildLocalGenesis({
      committee: committee.map(hex),
      workers: workers.map(hex),
      reputers: reputers.map(hex),
      topics: [{ id: 't1', epochMs: 1000 }],
      chainId: 'c',
    }),
    1_000_000,
  )
  const messages = new Map<string, Envelope>()
  const lookup: MessageLookup = (id) => messages.get(id)
  const post = (who: NodeIdentity, u: Omit<UnsignedEnvelope, 'chainId' | 'topicId' | 'nonce'>): string => {
    const env = signEnvelope(
      { ...u, chainId: 'c', topicId: 't1', nonce: new Uint8Array(0) } as UnsignedEnvelope,
      who.secretKey,
      who.publicKey,
    )
    const id = toHex(messageId(encodeEnvelope(env)))
    messages.set(id, env)
    return id
  }
  return { genesis, committee, workers, reputers, lookup, post, state: genesisChainState(genesis, [topic]) }
}

describe('computeBlock / verifyBlock', () => {
  it('builds a block from signed messages and a voter re-executes it to the same bytes', async () => {
    const s = await setup()
    const epochOf = (t: number): number => ledgerEpochAt(s.genesis, t)
    const inferenceIds = s.workers
      .map((w, i) => s.post(w, { type: 'inference', epoch: 0, payload: { value: 10 + i } }))
      .sort()
    const draft = {
      height: 1,
      timeMs: 1_001_000,
      proposer: hex(s.committee[0]),
      topicEpochs: [
        {
          topicId: 't1',
          epoch: 0,
          inferenceIds,
          forecastIds: [],
          commitIds: [],
          standbyInferers: new Uint8Array(0),
          standbyForecasters: new Uint8Array(0),
          settlements: [],
        },
      ],
      txs: [],
      evidence: [],
      lastCommit: [] as Uint8Array[],
    }
    const { block, next } = computeBlock(s.state, draft, s.lookup, epochOf)
    expect(block.topicEpochs[0].output?.networkInference).toBe(11) // first epoch: the median
    expect(next.topics.get('t1')?.unsettled).toEqual([0])
    expect(checkConservation(next.ledger).ok).toBe(true)
    const verified = verifyBlock(s.state, block, s.lookup, epochOf, {
      nowMs: 1_001_000,
      maxClockSkewMs: 5000,
      expectedProposer: hex(s.committee[0]),
    })
    expect(verified.hash).toBe(next.hash)

    // Epoch 1 settles epoch 0 with both reputers' bundles.
    const bundle = {
      network: -1,
      naive: -1.1,
      inferers: Object.fromEntries(s.workers.map((w, i) => [hex(w), -1 - i / 10])),
      forecasters: {},
      oneOutInferers: {},
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: { rows: [], cols: [], values: new Float64Array(0) },
    }
    const lossIds = s.reputers.map((r) => s.post(r, { type: 'loss-bundle', epoch: 0, payload: bundle })).sort()
    const inf1 = s.workers.map((w, i) => s.post(w, { type: 'inference', epoch: 1, payload: { value: 20 + i } })).sort()
    // The committee's precommit for block 1 is the certificate block 2 carries.
    const precommit = encodeEnvelope(
      signEnvelope(
        {
          type: 'vote',
          chainId: 'c',
          topicId: '',
          epoch: 1,
          nonce: new Uint8Array(0),
          payload: { height: 1, round: 0, step: 'precommit', blockHash: fromHex(next.hash) },
        },
        s.committee[0].secretKey,
        s.committee[0].publicKey,
      ),
    )
    const draft2 = {
      height: 2,
      timeMs: 1_002_000,
      proposer: hex(s.committee[0]),
      topicEpochs: [
        {
          topicId: 't1',
          epoch: 1,
          inferenceIds: inf1,
          forecastIds: [],
          commitIds: [],
          standbyInferers: new Uint8Array(0),
          standbyForecasters: new Uint8Array(0),
          settlements: [{ epoch: 0, lossBundleIds: lossIds, standbyReputers: new Uint8Array(0) }],
        },
      ],
      txs: [],
      evidence: [],
      lastCommit: [precommit],
    }
    expect(() => computeBlock(next, { ...draft2, lastCommit: [] }, s.lookup, epochOf)).toThrow(/does not certify/)
    const second = computeBlock(next, draft2, s.lookup, epochOf)
    expect(second.block.topicEpochs[0].settled.map((x) => x.epoch)).toEqual([0])
    expect(second.next.topics.get('t1')?.unsettled).toEqual([1])
    expect(checkConservation(second.next.ledger).ok).toBe(true)
  })

  it('rejects a tampered output, a foreign signer, a replayed epoch and a skewed clock', async () => {
    const s = await setup()
    const epochOf = (t: number): number => ledgerEpochAt(s.genesis, t)
    const proposer = hex(s.committee[0])
    const inferenceIds = s.workers
      .map((w, i) => s.post(w, { type: 'inference', epoch: 0, payload: { value: 10 + i } }))
      .sort()
    const draft = {
      height: 1,
      timeMs: 1_001_000,
      proposer,
      topicEpochs: [
        {
          topicId: 't1',
          epoch: 0,
          inferenceIds,
          forecastIds: [],
          commitIds: [],
          standbyInferers: new Uint8Array(0),
          standbyForecasters: new Uint8Array(0),
          settlements: [],
        },
      ],
      txs: [],
      evidence: [],
      lastCommit: [] as Uint8Array[],
    }
    const { block } = computeBlock(s.state, draft, s.lookup, epochOf)
    const opts = { nowMs: 1_001_000, maxClockSkewMs: 5000, expectedProposer: proposer }
    const tampered = {
      ...block,
      topicEpochs: [
        { ...block.topicEpochs[0], output: { ...block.topicEpochs[0].output!, networkInference: 11.000000000000002 } },
      ],
    }
    expect(() => verifyBlock(s.state, tampered, s.lookup, epochOf, opts)).toThrow(/recomputed block differs/)
    expect(() => verifyBlock(s.state, block, s.lookup, epochOf, { ...opts, nowMs: 1_010_000 })).toThrow(
      /from this node's clock/,
    )
    const stranger = (await ids(1))[0]
    const bad = [...inferenceIds, s.post(stranger, { type: 'inference', epoch: 0, payload: { value: 99 } })].sort()
    expect(() =>
      computeBlock(
        s.state,
        { ...draft, topicEpochs: [{ ...draft.topicEpochs[0], inferenceIds: bad }] },
        s.lookup,
        epochOf,
      ),
    ).toThrow(BlockInvalid)
    const { next } = computeBlock(s.state, draft, s.lookup, epochOf)
    expect(() =>
      computeBlock(next as ChainState, { ...draft, height: 2, timeMs: 1_002_000 }, s.lookup, epochOf),
    ).toThrow(/does not follow/)
  })

  it('reads a loss bundle only for what its epoch produced: other ids and values are not stored', async () => {
    const s = await setup()
    const epochOf = (t: number): number => ledgerEpochAt(s.genesis, t)
    const proposer = hex(s.committee[0])
    const inferenceIds = s.workers
      .map((w, i) => s.post(w, { type: 'inference', epoch: 0, payload: { value: 10 + i } }))
      .sort()
    const first = computeBlock(
      s.state,
      {
        height: 1,
        timeMs: 1_001_000,
        proposer,
        topicEpochs: [
          {
            topicId: 't1',
            epoch: 0,
            inferenceIds,
            forecastIds: [],
            commitIds: [],
            standbyInferers: new Uint8Array(0),
            standbyForecasters: new Uint8Array(0),
            settlements: [],
          },
        ],
        txs: [],
        evidence: [],
        lastCommit: [],
      },
      s.lookup,
      epochOf,
    )
    const workers = Object.fromEntries(s.workers.map((w, i) => [hex(w), -1 - i / 10]))
    const fake = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(64, 'f')).sort()
    const honest = {
      network: -1,
      naive: -1.1,
      inferers: workers,
      forecasters: {},
      oneOutInferers: {},
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: { rows: [], cols: [], values: new Float64Array(0) },
    }
    const fakeMap = Object.fromEntries(fake.map((id) => [id, -2]))
    // Fake ids everywhere, and one-out losses for real workers although epoch 0 (the median
    // mode) produced no one-out inference: a lone reporter's values would be the consensus.
    const hostile = {
      ...honest,
      inferers: { ...workers, ...fakeMap },
      forecasters: fakeMap,
      oneOutInferers: workers,
      oneInForecasters: fakeMap,
      oneOutInfererForecasters: { rows: fake, cols: fake, values: new Float64Array(fake.length ** 2).fill(-2) },
    }
    const lossIds = [
      s.post(s.reputers[0], { type: 'loss-bundle', epoch: 0, payload: honest }),
      s.post(s.reputers[1], { type: 'loss-bundle', epoch: 0, payload: hostile }),
    ].sort()
    const inf1 = s.workers.map((w, i) => s.post(w, { type: 'inference', epoch: 1, payload: { value: 20 + i } })).sort()
    const precommit = encodeEnvelope(
      signEnvelope(
        {
          type: 'vote',
          chainId: 'c',
          topicId: '',
          epoch: 1,
          nonce: new Uint8Array(0),
          payload: { height: 1, round: 0, step: 'precommit', blockHash: fromHex(first.next.hash) },
        },
        s.committee[0].secretKey,
        s.committee[0].publicKey,
      ),
    )
    const second = computeBlock(
      first.next,
      {
        height: 2,
        timeMs: 1_002_000,
        proposer,
        topicEpochs: [
          {
            topicId: 't1',
            epoch: 1,
            inferenceIds: inf1,
            forecastIds: [],
            commitIds: [],
            standbyInferers: new Uint8Array(0),
            standbyForecasters: new Uint8Array(0),
            settlements: [{ epoch: 0, lossBundleIds: lossIds, standbyReputers: new Uint8Array(0) }],
          },
        ],
        txs: [],
        evidence: [],
        lastCommit: [precommit],
      },
      s.lookup,
      epochOf,
    )
    expect(second.block.topicEpochs[0].settled.map((x) => x.epoch)).toEqual([0])
    const regrets = second.next.topics.get('t1')!.state.regrets
    expect(Object.keys(regrets.network.inferers).sort()).toEqual(Object.keys(workers).sort())
    expect(regrets.network.forecasters).toEqual({})
    for (const family of [regrets.oneOutInferer, regrets.oneOutForecaster, regrets.oneInForecaster]) {
      expect(family.inferers.rows).toEqual([])
      expect(family.forecasters.cols).toEqual([])
      expect(family.departed.inferers.chunks).toEqual([])
      expect(family.departed.forecasters.chunks).toEqual([])
    }
  })
})
