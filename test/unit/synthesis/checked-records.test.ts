/**
 * Records a settlement wrote are carried into the next state without being checked or sorted
 * again (id-map.ts, "checked"). That shortcut must give exactly what the full path gives, and
 * must never let a record from outside the engine skip its checks.
 */
import { describe, expect, it } from 'vitest'
import { SynthesisError } from '../../../src/synthesis/errors.js'
import { emptyRecord, overlaid } from '../../../src/synthesis/id-map.js'
import { DEFAULT_PARAMS } from '../../../src/synthesis/params.js'
import { settleEpoch } from '../../../src/synthesis/settle.js'
import { emptyTopicState } from '../../../src/synthesis/state.js'
import { synthesizeEpoch } from '../../../src/synthesis/synthesize.js'
import type { IdMap, ReputerReport, SynthesisInput, TopicState } from '../../../src/synthesis/types.js'
import { lossBundle } from '../../../src/topic/loss-bundle.js'
import { mulberry32 } from '../../utils/prng.js'
import { jsonOf } from '../../utils/plain.js'

/** A copy of a record in a new object, as a state read from JSON or the store holds it. */
function fromOutside(map: IdMap): IdMap {
  return Object.assign(emptyRecord<number>(), map)
}

/** The state with every per-worker record in a new object the engine has never seen. */
function readFromOutside(state: TopicState): TopicState {
  const r = state.regrets
  const s = state.smoothedRewardFractions
  return {
    ...state,
    regrets: {
      ...r,
      network: { inferers: fromOutside(r.network.inferers), forecasters: fromOutside(r.network.forecasters) },
      naive: { inferers: fromOutside(r.naive.inferers), forecasters: fromOutside(r.naive.forecasters) },
    },
    infererInclusionCounts: fromOutside(state.infererInclusionCounts),
    forecasterInclusionCounts: fromOutside(state.forecasterInclusionCounts),
    listeningCoefficients: fromOutside(state.listeningCoefficients),
    smoothedRewardFractions: {
      inferers: fromOutside(s.inferers),
      forecasters: fromOutside(s.forecasters),
      reputers: fromOutside(s.reputers),
    },
  }
}

/** Epochs of a topic whose inferers are replaced at `churn` per epoch; some ids look like integers. */
function* churningEpochs(epochs: number, churn: number): Generator<{ input: SynthesisInput; truth: number }> {
  const u = mulberry32(7)
  let next = 0
  const newId = (): string => (next % 3 === 0 ? String(next++ * 7) : `w${next++}`)
  const active = Array.from({ length: 12 }, newId)
  const forecasters = ['f-a', 'f-b', '90']
  let truth = 0
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < active.length; i++) if (u() < churn) active[i] = newId()
    truth += u() - 0.5
    const inferences: Record<string, number> = {}
    for (const id of active) inferences[id] = truth + (u() - 0.5)
    const forecasts: Record<string, Record<string, number>> = {}
    for (const k of forecasters) {
      const elements: Record<string, number> = {}
      for (const id of active) if (u() < 0.5) elements[id] = -2 + u()
      forecasts[k] = elements
    }
    yield { input: { inferences, forecasts }, truth }
  }
}

function reportsOf(input: SynthesisInput, output: ReturnType<typeof synthesizeEpoch>, truth: number) {
  const reports: Record<string, ReputerReport> = {}
  for (const [m, id] of ['r1', 'r2', '3'].entries())
    reports[id] = {
      stake: 1000 + 100 * m,
      losses: lossBundle({ inferences: input.inferences, output }, { value: truth + 0.01 * m }, 'squared-error'),
    }
  return reports
}

describe('checked records', () => {
  it('a settlement on records the engine wrote equals one on the same records read from outside', () => {
    let state = emptyTopicState()
    for (const { input, truth } of churningEpochs(40, 0.2)) {
      const output = synthesizeEpoch(DEFAULT_PARAMS, input, state)
      const settleInput = { reputers: reportsOf(input, output, truth), topicReward: 1e6 }
      const carried = settleEpoch(DEFAULT_PARAMS, settleInput, state)
      const full = settleEpoch(DEFAULT_PARAMS, settleInput, readFromOutside(state))
      // jsonOf keeps each record's key order, so this compares the order as well as the values.
      expect(jsonOf(carried)).toBe(jsonOf(full))
      state = carried.state
    }
    // Workers that left are still there (the spec keeps them): the carried path kept them too.
    expect(Object.keys(state.regrets.network.inferers).length).toBeGreaterThan(12)
  })

  it('a record replaced outside the engine is checked again', () => {
    let state = emptyTopicState()
    let last: { input: SynthesisInput; truth: number } | undefined
    for (const epoch of churningEpochs(12, 0.2)) {
      last = epoch
      const output = synthesizeEpoch(DEFAULT_PARAMS, epoch.input, state)
      state = settleEpoch(
        DEFAULT_PARAMS,
        { reputers: reportsOf(epoch.input, output, epoch.truth), topicReward: 1e6 },
        state,
      ).state
    }
    if (last === undefined) throw new Error('no epochs')
    const output = synthesizeEpoch(DEFAULT_PARAMS, last.input, state)
    const settleInput = { reputers: reportsOf(last.input, output, last.truth), topicReward: 1e6 }
    const departed = Object.keys(state.infererInclusionCounts).find((id) => !(id in last.input.inferences))
    if (departed === undefined) throw new Error('the churn left no departed worker')

    const badCount = { ...state, infererInclusionCounts: { ...state.infererInclusionCounts, [departed]: -1 } }
    expect(() => settleEpoch(DEFAULT_PARAMS, settleInput, badCount)).toThrow(SynthesisError)
    const network = state.regrets.network
    const badRegret: TopicState = {
      ...state,
      regrets: { ...state.regrets, network: { ...network, inferers: { ...network.inferers, [departed]: Number.NaN } } },
    }
    expect(() => settleEpoch(DEFAULT_PARAMS, settleInput, badRegret)).toThrow(/not finite/)
  })

  it('overlaid walks two ascending id lists into one, new values winning', () => {
    const base = Object.assign(emptyRecord<number>(), { a: 1, c: 3, e: 5 })
    const merged = overlaid(base, ['a', 'c', 'e'], ['b', 'c', 'f'], [20, 30, 60])
    expect(merged.ids).toEqual(['a', 'b', 'c', 'e', 'f'])
    expect({ ...merged.record }).toEqual({ a: 1, b: 20, c: 30, e: 5, f: 60 })
    expect(overlaid(base, ['a', 'c', 'e'], [], []).ids).toEqual(['a', 'c', 'e'])
    expect(overlaid(emptyRecord<number>(), [], ['x'], [1]).ids).toEqual(['x'])
  })
})
