import { describe, expect, it } from 'vitest'
import { buildDraft, MAX_EPOCHS_PER_TOPIC_PER_BLOCK } from '../../../../src/consensus/driver/block-draft.js'
import { computeBlock, genesisChainState } from '../../../../src/consensus/chain/execution.js'
import { buildLocalGenesis, ledgerEpochAt, withGenesisTime } from '../../../../src/consensus/ledger/index.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { encodeEnvelope, messageId, signEnvelope, toHex, type UnsignedEnvelope } from '../../../../src/wire/index.js'
import { generateIdentity, type NodeIdentity } from '../../../../src/p2p/index.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'

const topic = parseTopicConfig({ id: 't1', name: 't1', epochMs: 1000, groundTruth: 'synthetic:1' }, 'test')
const [coordinator, w1, w2] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
const hex = (i: NodeIdentity): string => toHex(i.publicKey)
const genesis = withGenesisTime(
  buildLocalGenesis({
    committee: [hex(coordinator)],
    workers: [hex(w1), hex(w2)],
    reputers: [],
    topics: [{ id: 't1', epochMs: 1000 }],
    chainId: 'c',
  }),
  1_000_000,
)
const chain = genesisChainState(genesis, [topic])
const put = (pool: MessagePool, who: NodeIdentity, u: Partial<UnsignedEnvelope>): string => {
  const env = signEnvelope(
    {
      type: 'inference',
      chainId: 'c',
      topicId: 't1',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { value: 1 },
      ...u,
    } as UnsignedEnvelope,
    who.secretKey,
    who.publicKey,
  )
  const bytes = encodeEnvelope(env)
  const id = toHex(messageId(bytes))
  pool.add(id, env, bytes)
  return id
}
const opts = (timeMs: number) => ({
  height: 1,
  timeMs,
  proposer: hex(coordinator),
  ledgerEpoch: ledgerEpochAt(genesis, timeMs),
  evidence: [],
})

describe('buildDraft', () => {
  it('leaves out vector inferences, which the synthesis cannot combine, so the block stays valid', () => {
    const pool = new MessagePool()
    const good = put(pool, w1, { payload: { value: 3 } })
    put(pool, w2, { payload: { value: [1, 2] } })
    const { draft } = buildDraft(chain, pool, opts(1_001_200))
    expect(draft.topicEpochs[0].inferenceIds).toEqual([good])
    expect(() =>
      computeBlock(
        chain,
        draft,
        (id) => pool.get(id),
        (t) => ledgerEpochAt(genesis, t),
      ),
    ).not.toThrow()
  })

  it('commits at most a fixed number of epochs per block after an outage', () => {
    const { draft } = buildDraft(chain, new MessagePool(), opts(1_000_000 + 500 * 1000))
    expect(draft.topicEpochs).toHaveLength(MAX_EPOCHS_PER_TOPIC_PER_BLOCK)
    expect(draft.topicEpochs.map((e) => e.epoch)).toEqual(
      Array.from({ length: MAX_EPOCHS_PER_TOPIC_PER_BLOCK }, (_, i) => i),
    )
  })

  it('refuses transactions the ledger rejects, with the reason, and keeps the rest', () => {
    const pool = new MessagePool()
    const ok = put(pool, w1, {
      type: 'tx',
      topicId: '',
      payload: { kind: 'transfer', accountNonce: 0, body: { to: hex(w2), amount: '5' } },
    } as Partial<UnsignedEnvelope>)
    const bad = put(pool, w2, {
      type: 'tx',
      topicId: '',
      payload: { kind: 'transfer', accountNonce: 3, body: { to: hex(w1), amount: '5' } },
    } as Partial<UnsignedEnvelope>)
    const { draft, rejectedTxs } = buildDraft(chain, pool, opts(1_001_200))
    expect(draft.txs).toHaveLength(1)
    expect(toHex(messageId(draft.txs[0]))).toBe(ok)
    expect(rejectedTxs).toEqual([{ id: bad, reason: expect.stringMatching(/nonce/i) }])
  })
})
