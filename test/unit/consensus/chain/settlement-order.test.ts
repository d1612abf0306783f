/**
 * The ledger pays a topic's epochs in order, so the chain settles them in order: once a later
 * epoch is settled, an earlier one whose loss bundles come late is given up. A proposer never
 * drafts such a settlement, and a block that carries one is invalid (a verdict), never a local
 * failure that would leave every proposer without a block.
 */
import { describe, expect, it } from 'vitest'
import { BlockInvalid, computeBlock, genesisChainState } from '../../../../src/consensus/chain/execution.js'
import { buildDraft } from '../../../../src/consensus/driver/block-draft.js'
import { GENESIS_MS, oneTopicChain } from '../../../utils/single-proposer.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'

const topic = parseTopicConfig({ id: 't1', name: 't1', epochMs: 1000, groundTruth: 'synthetic:1' }, 'test')
const { hex, coordinator, reputer, workers, genesis, epochOf, post, certificate, commitAt } = await oneTopicChain(3)

function inferences(pool: MessagePool, epoch: number): void {
  workers.forEach((w, i) => post(pool, w, { type: 'inference', epoch, payload: { value: 10 + i + epoch } }))
}

function lossBundle(pool: MessagePool, epoch: number): string {
  const payload = {
    network: -1,
    naive: -1.1,
    inferers: Object.fromEntries(workers.map((w, i) => [hex(w), -1 - i / 10])),
    forecasters: {},
    oneOutInferers: {},
    oneOutForecasters: {},
    oneInForecasters: {},
    oneOutInfererForecasters: { rows: [], cols: [], values: new Float64Array(0) },
  }
  return post(pool, reputer, { type: 'loss-bundle', epoch, payload })
}

describe('settlement order', () => {
  it('gives up an epoch whose bundle comes after a later epoch settled, and never drafts it', () => {
    const pool = new MessagePool()
    inferences(pool, 0)
    inferences(pool, 1)
    // Height 1 decides epochs 0 and 1; height 2 decides epoch 2 and settles epoch 1 only.
    let chain = commitAt(genesisChainState(genesis, [topic]), pool, GENESIS_MS + 2200)
    expect(chain.topics.get('t1')?.unsettled).toEqual([0, 1])
    lossBundle(pool, 1)
    inferences(pool, 2)
    chain = commitAt(chain, pool, GENESIS_MS + 3200)
    expect(chain.ledger.topics.get('t1')?.lastSettledEpoch).toBe(1)
    expect(chain.topics.get('t1')?.unsettled).toEqual([2])

    // Epoch 0's bundle arrives late: the next block decides epoch 3 and leaves epoch 0 alone.
    const late = lossBundle(pool, 0)
    inferences(pool, 3)
    const before = { ...chain, lastCommit: certificate(chain) }
    const opts = {
      height: chain.height + 1,
      timeMs: GENESIS_MS + 4200,
      proposer: hex(coordinator),
      ledgerEpoch: epochOf(GENESIS_MS + 4200),
      evidence: [],
    }
    const { draft } = buildDraft(before, pool, opts)
    expect(draft.topicEpochs.map((e) => [e.epoch, e.settlements.map((s) => s.epoch)])).toEqual([[3, []]])
    const next = commitAt(chain, pool, GENESIS_MS + 4200)
    expect(next.topics.get('t1')?.lastEpoch).toBe(3)

    // A proposer that drafts it anyway proposes an invalid block.
    const forced = {
      ...draft,
      topicEpochs: [
        {
          ...draft.topicEpochs[0],
          settlements: [{ epoch: 0, lossBundleIds: [late], standbyReputers: new Uint8Array(0) }],
        },
      ],
    }
    const run = () => computeBlock(before, forced, (id) => pool.get(id), epochOf)
    expect(run).toThrow(BlockInvalid)
    expect(run).toThrow(/not awaiting settlement|older than the topic's last settled/)
  })

  it('refuses a block that settles a topic epoch below one it settled earlier in the same block', () => {
    const pool = new MessagePool()
    inferences(pool, 0)
    inferences(pool, 1)
    const chain = commitAt(genesisChainState(genesis, [topic]), pool, GENESIS_MS + 2200)
    const b0 = lossBundle(pool, 0)
    const b1 = lossBundle(pool, 1)
    inferences(pool, 2)
    inferences(pool, 3)
    const timeMs = GENESIS_MS + 4200
    const before = { ...chain, lastCommit: certificate(chain) }
    const { draft } = buildDraft(before, pool, {
      height: 2,
      timeMs,
      proposer: hex(coordinator),
      ledgerEpoch: epochOf(timeMs),
      evidence: [],
    })
    // The proposer settles both, in order, with the first epoch it decides.
    expect(draft.topicEpochs.map((e) => [e.epoch, e.settlements.map((s) => s.epoch)])).toEqual([
      [2, [0, 1]],
      [3, []],
    ])
    const [e2, e3] = draft.topicEpochs
    const reordered = {
      ...draft,
      topicEpochs: [
        { ...e2, settlements: [{ epoch: 1, lossBundleIds: [b1], standbyReputers: new Uint8Array(0) }] },
        { ...e3, settlements: [{ epoch: 0, lossBundleIds: [b0], standbyReputers: new Uint8Array(0) }] },
      ],
    }
    expect(() => computeBlock(before, reordered, (id) => pool.get(id), epochOf)).toThrow(BlockInvalid)
  })
})
