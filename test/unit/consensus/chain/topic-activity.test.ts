/**
 * A topic runs its epochs while its weight is at least the genesis minimum (§14.1). Below it,
 * its epochs close without inferences: proposers leave them out and a block that carries some
 * is invalid; paying for the topic (fund-topic) brings it back. The revenue drip's month is a
 * genesis parameter, written to the file only when set.
 */
import { describe, expect, it } from 'vitest'
import { BlockInvalid, computeBlock, genesisChainState } from '../../../../src/consensus/chain/execution.js'
import { buildDraft } from '../../../../src/consensus/driver/block-draft.js'
import {
  applyTx,
  buildLocalGenesis,
  genesisHash,
  genesisToJson,
  isTopicRunning,
  ledgerEpochAt,
  parseGenesis,
  TOKEN,
  withGenesisTime,
} from '../../../../src/consensus/ledger/index.js'
import { MS_PER_MONTH } from '../../../../src/consensus/ledger/genesis.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'
import { encodeEnvelope, messageId, signEnvelope, toHex, type UnsignedEnvelope } from '../../../../src/wire/index.js'

const GENESIS_MS = 1_000_000
const topics = ['paid', 'unpaid'].map((id) =>
  parseTopicConfig({ id, name: id, epochMs: 1000, groundTruth: 'synthetic:1' }, 'test'),
)
const hex = (i: NodeIdentity): string => toHex(i.publicKey)
const [coordinator, worker, reputer] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
const local = buildLocalGenesis({
  committee: [hex(coordinator)],
  workers: [hex(worker)],
  reputers: [hex(reputer)],
  topics: topics.map((t) => ({ id: t.id, epochMs: t.epochMs })),
  chainId: 'c',
})
const file = genesisToJson(withGenesisTime(local, GENESIS_MS)) as {
  topics: { initialRevenue: string }[]
  topicWeight: Record<string, number>
}
file.topics[1].initialRevenue = '0'
file.topicWeight.minTopicWeight = 1
file.topicWeight.monthMs = 60_000
const genesis = parseGenesis(file, 'test')
const epochOf = (t: number): number => ledgerEpochAt(genesis, t)

function inference(pool: MessagePool, topicId: string, epoch: number): string {
  const env = signEnvelope(
    {
      type: 'inference',
      chainId: 'c',
      topicId,
      epoch,
      nonce: new Uint8Array(0),
      payload: { value: 5 },
    } as UnsignedEnvelope,
    worker.secretKey,
    worker.publicKey,
  )
  const bytes = encodeEnvelope(env)
  const id = toHex(messageId(bytes))
  pool.add(id, env, bytes)
  return id
}

describe('topic activity', () => {
  it('closes the epochs of a topic below the minimum weight without inferences, until it is paid for', () => {
    const chain = genesisChainState(genesis, topics)
    expect(isTopicRunning(chain.ledger, 'paid')).toBe(true)
    expect(isTopicRunning(chain.ledger, 'unpaid')).toBe(false)
    const pool = new MessagePool()
    inference(pool, 'paid', 0)
    const unpaid = inference(pool, 'unpaid', 0)
    const timeMs = GENESIS_MS + 1200
    const opts = { height: 1, timeMs, proposer: hex(coordinator), ledgerEpoch: epochOf(timeMs), evidence: [] }
    const { draft } = buildDraft(chain, pool, opts)
    expect(draft.topicEpochs.map((e) => [e.topicId, e.inferenceIds.length])).toEqual([
      ['paid', 1],
      ['unpaid', 0],
    ])
    const { block } = computeBlock(chain, draft, (id) => pool.get(id), epochOf)
    expect(block.topicEpochs.map((e) => e.output !== null)).toEqual([true, false])
    // A proposer that puts the inference in anyway proposes an invalid block.
    const forced = {
      ...draft,
      topicEpochs: [draft.topicEpochs[0], { ...draft.topicEpochs[1], inferenceIds: [unpaid] }],
    }
    expect(() => computeBlock(chain, forced, (id) => pool.get(id), epochOf)).toThrow(BlockInvalid)
    expect(() => computeBlock(chain, forced, (id) => pool.get(id), epochOf)).toThrow(/inactive/)

    // Someone pays for it: it runs.
    const fund = applyTx(
      chain.ledger,
      { kind: 'fund-topic', signer: hex(worker), accountNonce: 0, body: { topicId: 'unpaid', amount: String(TOKEN) } },
      { height: 1, epoch: 0 },
    )
    if (!fund.ok) throw new Error(fund.reason)
    expect(isTopicRunning(fund.state, 'unpaid')).toBe(true)
  })

  it('keeps the drip month in the genesis file only when it is set', () => {
    expect(genesis.topicWeight.blocksPerMonth).toBe(60_000)
    expect(parseGenesis(genesisToJson(genesis), 'again')).toEqual(genesis)
    expect(local.topicWeight.blocksPerMonth).toBe(MS_PER_MONTH)
    expect(genesisToJson(local).topicWeight).not.toHaveProperty('monthMs')
    expect(genesisHash(parseGenesis(genesisToJson(local), 'again'))).toBe(genesisHash(local))
    expect(() => parseGenesis({ ...file, topicWeight: { monthMs: 0 } }, 'bad')).toThrow(/topicWeight\.monthMs/)
  })
})
