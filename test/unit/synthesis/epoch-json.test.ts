import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  EpochJsonError,
  PARAM_JSON_NAMES,
  parseEpochFile,
  parseParams,
  writeEpochFile,
  writeEpochOutput,
  writeState,
} from '../../../src/synthesis/epoch-json.js'
import { DEFAULT_PARAMS, SIMULATOR_PARAMS } from '../../../src/synthesis/params.js'
import type { SynthesisOutput, TopicState } from '../../../src/synthesis/types.js'
import { EMPTY_MATRIX } from '../../../src/synthesis/id-matrix.js'
import { plainOf } from '../../utils/plain.js'

const EPOCH_303 = fileURLToPath(new URL('../../spec/vectors/epochs/epoch_303.json', import.meta.url))
// biome-ignore lint/suspicious/noExplicitAny: the tests reach deep into raw JSON to break one field at a time; typing every fixture path would only restate the parser
type RawJson = Record<string, any>

const reference = (): RawJson => JSON.parse(readFileSync(EPOCH_303, 'utf8')) as RawJson

/** A small valid file to mutate: the spec's synthesize example plus a two-reputer settle. */
function small(): RawJson {
  const regrets = {
    network: { inferers: { alice: 0.1, bob: -0.2 }, forecasters: { dave: 0.05 } },
    naive: { inferers: { alice: 0.12, bob: -0.1, carol: 0.0 }, forecasters: {} },
    one_out_inferer: {},
    one_out_forecaster: {},
    one_in_forecaster: {},
  }
  const fullState = {
    initial_regret: -1.2,
    previous_network_loss: -2.3,
    regrets,
    inferer_inclusion_counts: { alice: 3 },
    forecaster_inclusion_counts: {},
    listening_coefficients: { r1: 0.5 },
    smoothed_reward_fractions: { inferers: {}, forecasters: {}, reputers: {} },
    score_history: { inferers: [0.1, 0.2], forecasters: [] },
    forecaster_score_ratio: 0,
  }
  return {
    description: 'free text',
    synthesize: {
      params: { p_norm: 3.0, c_norm: 0.75 },
      inferences: { alice: 0.52, bob: 0.47, carol: 0.61 },
      forecasts: { dave: { alice: -2.1, bob: -1.7, carol: -2.6 }, erin: { bob: -2.0 } },
      state: { initial_regret: -1.2, previous_network_loss: -2.3, regrets },
    },
    settle: {
      reputers: {
        r1: { stake: 1000, losses: { network: -2, naive: -1.5, inferers: { alice: -1.9 } } },
        r3: { stake: 500, losses: { network: -2.1, naive: -1.4 } },
      },
      topic_reward: 100,
      state: fullState,
    },
    expected: { anything: true },
  }
}

function errorOf(run: () => unknown): EpochJsonError {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(EpochJsonError)
    return err as EpochJsonError
  }
  throw new Error('expected an EpochJsonError')
}

describe('parseEpochFile', () => {
  it('reads a reference epoch into the engine types, ids untouched', () => {
    const file = parseEpochFile(reference())
    const s = file.synthesize!
    expect(s.params).toEqual(SIMULATOR_PARAMS)
    expect(Object.keys(s.input.inferences).sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4'])
    expect(s.input.forecasts.w5.w2).toBe(-6.5453604176888875)
    expect(plainOf(s.state.regrets.oneInForecaster).w5.forecasters.w5).toBe(0.0007703238846416592)
    const t = file.settle!
    expect(plainOf(t.input.reputers.r0.losses.oneOutInfererForecasters).w5.w4).toBe(-1.694245817231214)
    expect(t.input.topicReward).toBe(7632.186675272335)
    expect(t.state.smoothedRewardFractions.forecasters.w6).toBe(0.3742046279570922)
    // Rows 300–302 of the table: 3 epochs × 3 forecasters.
    expect(t.state.scoreHistory.forecasters).toHaveLength(9)
  })

  it('fills params left out with the defaults', () => {
    const file = parseEpochFile(small())
    expect(file.synthesize!.params).toEqual(DEFAULT_PARAMS)
    expect(file.settle!.params).toEqual(DEFAULT_PARAMS)
    expect(parseParams({ p_reward_reputer: 1 }, 'params')).toEqual({ ...DEFAULT_PARAMS, pRewardReputer: 1 })
    expect(parseParams(undefined, 'params', SIMULATOR_PARAMS)).toBe(SIMULATOR_PARAMS)
  })

  it('maps every param name of epoch-json §2.1', () => {
    expect(Object.values(PARAM_JSON_NAMES).sort()).toEqual(Object.keys(DEFAULT_PARAMS).sort())
  })

  it('lets the synthesize state leave out what only settle reads', () => {
    const s = parseEpochFile(small()).synthesize!
    expect(s.state.listeningCoefficients).toEqual({})
    expect(s.state.scoreHistory).toEqual({ inferers: [], forecasters: [] })
    expect(s.state.forecasterScoreRatio).toBe(0)
  })

  it('treats loss maps a reputer left out as empty', () => {
    const r3 = parseEpochFile(small()).settle!.input.reputers.r3
    expect(r3.losses.inferers).toEqual({})
    expect(plainOf(r3.losses.oneOutInfererForecasters)).toEqual({})
  })

  it('copies ids byte for byte, whatever they look like', () => {
    const json = small()
    // JSON.parse, not a literal: a literal `__proto__` key would set the prototype.
    json.synthesize.inferences = JSON.parse(
      '{"W1":1,"w1":2,"p_norm":3,"initialRegret":4,"__proto__":5,"constructor":6}',
    )
    const inferences = parseEpochFile(json).synthesize!.input.inferences
    expect(Object.keys(inferences).sort()).toEqual(
      ['W1', '__proto__', 'constructor', 'initialRegret', 'p_norm', 'w1'].sort(),
    )
    // biome-ignore lint/suspicious/noProto: the test is that a `__proto__` id is an ordinary key
    expect(inferences.__proto__).toBe(5)
    expect(inferences.toString).toBeUndefined()
  })
})

describe('validation names the path and the reason', () => {
  const cases: [string, (j: RawJson) => void, string][] = [
    ['zero stake', (j) => (j.settle.reputers.r3.stake = 0), 'settle.reputers.r3.stake: must be > 0, got 0'],
    [
      'a regret that is not a number',
      (j) => (j.synthesize.state.regrets.network.inferers.w1 = '0.3'),
      'synthesize.state.regrets.network.inferers.w1: must be a finite number, got the string "0.3"',
    ],
    ['a missing field', (j) => delete j.synthesize.inferences, 'synthesize.inferences: is required'],
    [
      'a settle state without score history',
      (j) => delete j.settle.state.score_history,
      'settle.state.score_history: is required',
    ],
    ['a negative topic reward', (j) => (j.settle.topic_reward = -1), 'settle.topic_reward: must be >= 0, got -1'],
    [
      'a fractional inclusion count',
      (j) => (j.settle.state.inferer_inclusion_counts.alice = 1.5),
      'settle.state.inferer_inclusion_counts.alice: must be an integer >= 0, got 1.5',
    ],
    [
      'a list entry',
      (j) => (j.settle.state.score_history.inferers[1] = null),
      'settle.state.score_history.inferers[1]: must be a finite number, got null',
    ],
    [
      'a param out of range',
      (j) => (j.synthesize.params.alpha_regret = 0),
      'synthesize.params.alpha_regret: must be in (0, 1] (got 0)',
    ],
    [
      'a forecast element',
      (j) => (j.synthesize.forecasts.dave.bob = true),
      'synthesize.forecasts.dave.bob: must be a finite number, got true',
    ],
    [
      'a loss bundle that is a list',
      (j) => (j.settle.reputers.r1.losses = []),
      'settle.reputers.r1.losses: must be an object, got a list',
    ],
    [
      'naive forecaster regrets',
      (j) => (j.synthesize.state.regrets.naive.forecasters = { dave: 1 }),
      'synthesize.state.regrets.naive.forecasters: must be {}',
    ],
    [
      'no step at all',
      (j) => {
        delete j.synthesize
        delete j.settle
      },
      '(top level): must have "synthesize", "settle" or both',
    ],
  ]
  it.each(cases)('%s', (_, breakIt, message) => {
    const json = small()
    breakIt(json)
    expect(errorOf(() => parseEpochFile(json)).message).toContain(message)
  })

  it('rejects unknown keys and names them', () => {
    const json = small()
    json.synthesize.state.regret = {}
    json.synthesize.state.initialRegret = 1
    const err = errorOf(() => parseEpochFile(json))
    expect(err.path).toBe('synthesize.state')
    expect(err.message).toContain('unknown keys "regret", "initialRegret"')
    const top = small()
    top.comment = 'x'
    expect(errorOf(() => parseEpochFile(top)).message).toContain('(top level): unknown key "comment"')
    const params = small()
    params.settle.params = { p_nrom: 3 }
    expect(errorOf(() => parseEpochFile(params)).message).toContain('settle.params: unknown key "p_nrom"')
  })

  it('rejects ids with ".", empty ids and non-ASCII ids', () => {
    for (const id of ['a.b', '', 'wörker']) {
      const json = small()
      json.synthesize.inferences[id] = 1
      const err = errorOf(() => parseEpochFile(json))
      expect(err.path).toBe('synthesize.inferences')
      expect(err.message).toContain(`invalid id ${JSON.stringify(id)}`)
    }
    const json = small()
    json.settle.reputers['r.9'] = json.settle.reputers.r1
    expect(errorOf(() => parseEpochFile(json)).message).toContain('settle.reputers: invalid id "r.9"')
  })
})

describe('writing', () => {
  it('round-trips a reference epoch: parse → write → parse gives the same values', () => {
    const first = parseEpochFile(reference())
    const written = JSON.parse(JSON.stringify(writeEpochFile(first)))
    expect(parseEpochFile(written)).toEqual(first)
    // Every field the reference file gives comes back with the same name and value.
    const { synthesize, settle } = reference()
    expect(written).toEqual({ synthesize, settle })
  })

  it('writes a settle state that reads back as the next epoch state', () => {
    const state = parseEpochFile(small()).settle!.state
    const json = JSON.parse(JSON.stringify(writeState(state, 'state')))
    const next = small()
    next.settle.state = json
    expect(parseEpochFile(next).settle!.state).toEqual(state)
  })

  it('refuses a non-finite output and names where it is', () => {
    const out: SynthesisOutput = {
      networkInference: 1,
      naiveInference: 1,
      forecastedRegrets: {},
      forecastImpliedInferences: { dave: Number.NaN },
      oneOutInfererInferences: {},
      oneOutForecasterInferences: {},
      oneInForecasterInferences: {},
      oneOutInfererForecastImpliedInferences: EMPTY_MATRIX,
      weights: { inferers: {}, forecasters: {} },
      confidenceInterval: { percentiles: [], values: [] },
    }
    const err = errorOf(() => writeEpochOutput({ synthesize: out }))
    expect(err.message).toBe('synthesize.forecast_implied_inferences.dave: output is not a finite number (NaN)')
  })

  it('writes a null previous network loss as null', () => {
    const state: TopicState = { ...parseEpochFile(small()).settle!.state, previousNetworkLoss: null }
    expect(writeState(state, 'state').previous_network_loss).toBeNull()
  })
})
