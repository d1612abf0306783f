/**
 * Merit sortition: the caps choose who is synthesised by score EMA, newcomers enter at the
 * quantile, a standby's EMA takes in the quantile of the scored ones so it earns its way back,
 * and a block whose choice breaks the ranking is invalid.
 */
import { describe, expect, it } from 'vitest'
import { BlockInvalid, computeBlock, genesisChainState } from '../../../../src/consensus/chain/execution.js'
import {
  idsOfBitmap,
  meritAfterStep,
  rosterBitmap,
  NO_MERIT,
  selectActive,
  selectionProblem,
  updatedMerit,
} from '../../../../src/consensus/chain/merit.js'
import { buildDraft } from '../../../../src/consensus/driver/block-draft.js'
import { GENESIS_MS, oneTopicChain } from '../../../utils/single-proposer.js'
import { MessagePool } from '../../../../src/consensus/pool/message-pool.js'
import { DEFAULT_ACTIVE_SET } from '../../../../src/synthesis/active-set.js'
import { parseTopicConfig } from '../../../../src/topic/config.js'
import { toHex } from '../../../../src/wire/index.js'

const params = { ...DEFAULT_ACTIVE_SET, inferers: 2 }

describe('merit sortition, the rules', () => {
  it('takes all who fit, else the best ranked; a newcomer ranks at the quantile of the known EMAs', () => {
    const emas = new Map([
      ['a', 5],
      ['b', 1],
      ['c', 3],
    ])
    expect(selectActive(['a', 'b'], emas, 2, 0.25)).toEqual(new Set(['a', 'b']))
    expect(selectActive(['a', 'b', 'c'], emas, 2, 0.25)).toEqual(new Set(['a', 'c']))
    // The newcomer n ranks at 2 (the 25th percentile of 5, 3, 1): above b, below c.
    expect(selectActive(['b', 'c', 'n'], emas, 2, 0.25)).toEqual(new Set(['c', 'n']))
    // Ties go to the smaller id; with no EMA at all, everyone ties.
    expect(selectActive(['z', 'y', 'x'], new Map(), 2, 0.25)).toEqual(new Set(['x', 'y']))
  })

  it('folds instant scores in, and the quantile of them into each standby', () => {
    const after = updatedMerit(new Map([['a', 1]]), { a: 3, b: 2 }, ['s'], { alpha: 0.5, quantile: 0.25 })
    expect(after.get('a')).toBe(2) // 0.5·3 + 0.5·1
    expect(after.get('b')).toBe(2) // first score: taken as it is
    expect(after.get('s')).toBe(2.25) // the 25th percentile of 3 and 2
    // Nothing scored: a standby learns nothing.
    expect(updatedMerit(new Map(), {}, ['s'], params).size).toBe(0)
  })

  it('says what is wrong with a choice that breaks the ranking', () => {
    const emas = new Map([
      ['a', 5],
      ['b', 1],
      ['c', 3],
    ])
    expect(selectionProblem('inferers', ['a', 'c'], ['b'], emas, params)).toBeUndefined()
    expect(selectionProblem('inferers', ['a', 'b'], ['c'], emas, params)).toMatch(/not the 2 best ranked/)
    expect(selectionProblem('inferers', ['a', 'c'], ['c'], emas, params)).toMatch(/both selected and standby/)
    expect(selectionProblem('inferers', ['a', 'b', 'c'], [], emas, params)).toMatch(/not the 2 best ranked/)
  })

  it('names actors as a bitmap over the roster, and refuses a malformed one', () => {
    const roster = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']
    expect(rosterBitmap([], roster)).toEqual(new Uint8Array(0))
    expect(rosterBitmap(['b', 'i'], roster)).toEqual(new Uint8Array([0b10, 0b1]))
    expect(rosterBitmap(['c'], roster)).toEqual(new Uint8Array([0b100]))
    expect(idsOfBitmap(new Uint8Array([0b10, 0b1]), roster)).toEqual(['b', 'i'])
    expect(idsOfBitmap(new Uint8Array([0b100, 0]), roster)).toMatch(/zero byte/)
    expect(idsOfBitmap(new Uint8Array([0, 0b10]), roster)).toMatch(/names actor 9 of a roster of 9/)
    expect(() => rosterBitmap(['z'], roster)).toThrow(/not on the roster/)
  })

  it('keeps a standby until its epoch is settled, and drops the EMAs of actors who left', () => {
    const merit = meritAfterStep(
      NO_MERIT,
      params,
      [],
      { epoch: 4, standby: { inferers: ['s'], forecasters: [] } },
      () => true,
      () => true,
    )
    expect(merit.standby.get(4)).toEqual({ inferers: ['s'], forecasters: [] })
    const settled = meritAfterStep(
      { ...merit, scores: { ...merit.scores, inferers: new Map([['gone', 1]]) } },
      params,
      [{ epoch: 4, scores: { inferers: { a: 2, b: 1 }, forecasters: {}, reputers: {} }, standbyReputers: [] }],
      undefined,
      (e) => e !== 4,
      (_task, id) => id !== 'gone',
    )
    expect(settled.standby.size).toBe(0)
    expect([...settled.scores.inferers.keys()].sort()).toEqual(['a', 'b', 's'])
  })
})

const topic = parseTopicConfig(
  { id: 't1', name: 't1', epochMs: 1000, groundTruth: 'synthetic:1', activeSet: { inferers: 2 } },
  'test',
)
const { hex, coordinator, reputer, workers, genesis, epochOf, post, certificate, commitAt } = await oneTopicChain(3)

/**
 * A reputer's bundle for a decided epoch: each inferer's loss, and the network's without it
 * (`oneOutOf`): the worse the network without an inferer, the higher that inferer scores.
 */
function lossBundle(pool: MessagePool, epoch: number, oneOutOf: (worker: string) => number): void {
  const inferers = Object.fromEntries(workers.map((w) => [hex(w), -1]))
  post(pool, reputer, {
    type: 'loss-bundle',
    epoch,
    payload: {
      network: -1,
      naive: -0.5,
      inferers,
      forecasters: {},
      oneOutInferers: Object.fromEntries(workers.map((w) => [hex(w), oneOutOf(hex(w))])),
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: { rows: [], cols: [], values: new Float64Array(0) },
    },
  })
}

describe('merit sortition on the chain', () => {
  it('synthesises the capped set, and a worker left out earns its way back in', () => {
    const pool = new MessagePool()
    const inferAll = (epoch: number) =>
      workers.forEach((w, i) => post(pool, w, { type: 'inference', epoch, payload: { value: 10 + i } }))
    const ids = workers.map(hex).sort()
    // Each block decides an epoch and settles the one before; the reputer's losses score ids[0]
    // highest, then ids[2], then ids[1].
    let chain = genesisChainState(genesis, [topic])
    const selected: string[][] = []
    const signers = (list: readonly string[]) => list.map((id) => toHex(pool.get(id)!.signer)).sort()
    for (let epoch = 0; epoch < 6; epoch++) {
      inferAll(epoch)
      if (epoch > 0) lossBundle(pool, epoch - 1, (w) => (w === ids[0] ? -0.5 : w === ids[1] ? -0.95 : -0.7))
      chain = commitAt(chain, pool, GENESIS_MS + (epoch + 1) * 1000 + 200)
      const [e] = [...chain.topics.get('t1')!.merit.standby.values()].slice(-1)
      expect(e?.inferers).toHaveLength(1)
      selected.push(ids.filter((w) => !e!.inferers.includes(w)))
    }
    // Newcomers all at first: the two smallest ids; the third on standby.
    expect(selected[0]).toEqual([ids[0], ids[1]])
    // Once scores come in, the standby's EMA takes in their quantile and ranks it above the
    // lower of them: it is back in a set, and the worker it passed is out.
    const back = selected.findIndex((set) => set.includes(ids[2]))
    expect(back).toBeGreaterThan(0)
    expect(selected[back]).toEqual([ids[0], ids[2]].sort())
    const emas = chain.topics.get('t1')!.merit.scores.inferers
    expect([...emas.keys()].sort()).toEqual(ids)
    inferAll(6)
    const before = { ...chain, lastCommit: certificate(chain) }
    const timeMs = GENESIS_MS + 7200
    const { draft } = buildDraft(before, pool, {
      height: chain.height + 1,
      timeMs,
      proposer: hex(coordinator),
      ledgerEpoch: epochOf(timeMs),
      evidence: [],
    })
    const [e2] = draft.topicEpochs
    expect(signers(e2.inferenceIds)).toHaveLength(2)
    expect(idsOfBitmap(e2.standbyInferers, ids)).toHaveLength(1)

    // A proposer that takes the two worst ranked proposes an invalid block; so does one that takes all three.
    const ranked = [...ids].sort((a, b) => emas.get(b)! - emas.get(a)!)
    const idOf = new Map(pool.ids('inference', 't1', 6).map((id) => [toHex(pool.get(id)!.signer), id]))
    const choose = (selected: string[], standby: string[]) => ({
      ...draft,
      topicEpochs: [
        {
          ...e2,
          inferenceIds: selected.map((w) => idOf.get(w)!).sort(),
          standbyInferers: rosterBitmap(standby, ids),
        },
      ],
    })
    const run = (d: ReturnType<typeof choose>) => () => computeBlock(before, d, (id) => pool.get(id), epochOf)
    expect(run(choose(ranked.slice(1), ranked.slice(0, 1)))).toThrow(BlockInvalid)
    expect(run(choose(ranked.slice(1), ranked.slice(0, 1)))).toThrow(/not the 2 best ranked/)
    expect(run(choose(ranked, []))).toThrow(/not the 2 best ranked/)
    expect(run(choose(ranked.slice(0, 2), ranked.slice(2)))).not.toThrow()
    // A bitmap naming an actor past the roster is refused too.
    const past = { ...draft, topicEpochs: [{ ...e2, standbyInferers: new Uint8Array([0b1000]) }] }
    expect(() => computeBlock(before, past, (id) => pool.get(id), epochOf)).toThrow(/past the roster|names actor 3/)
  })
})
