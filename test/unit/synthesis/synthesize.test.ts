import { describe, expect, it } from 'vitest'
import { SynthesisError } from '../../../src/synthesis/errors.js'
import { DEFAULT_PARAMS } from '../../../src/synthesis/params.js'
import { synthesizeEpoch } from '../../../src/synthesis/synthesize.js'
import { weightKernel, weightOf, weightsOfRegrets } from '../../../src/synthesis/weights.js'
import type {
  RegretSet,
  SynthesisInput,
  SynthesisOutput,
  SynthesisParams,
  TopicState,
} from '../../../src/synthesis/types.js'
import { familyOf } from '../../../src/synthesis/regret-family.js'
import { EMPTY_FAMILY } from '../../../src/synthesis/state.js'
import { jsonOf, plainOf } from '../../utils/plain.js'
import {
  expectMatches,
  outputToJson,
  readJson,
  VECTORS_DIR,
  stateFromJson,
  synthesizeCaseFromJson,
} from './fixtures.js'

const literals = readJson(`${VECTORS_DIR}/test_literals_worked_examples.json`)
const epoch302 = readJson(`${VECTORS_DIR}/epochs/epoch_302.json`)

const EMPTY_REGRETS = {
  network: { inferers: {}, forecasters: {} },
  naive: { inferers: {}, forecasters: {} },
  oneOutInferer: EMPTY_FAMILY,
  oneOutForecaster: EMPTY_FAMILY,
  oneInForecaster: EMPTY_FAMILY,
}

/** A state with no stored regret (initial regret −1, previous loss −2) and `overrides`. */
function state(overrides: Partial<TopicState>): TopicState {
  return { ...stateFromJson({ initial_regret: -1, previous_network_loss: -2 }), regrets: EMPTY_REGRETS, ...overrides }
}

const run = (input: SynthesisInput, s: TopicState, params: SynthesisParams = DEFAULT_PARAMS): SynthesisOutput =>
  synthesizeEpoch(params, input, s)

function expectEmptyMaps(out: SynthesisOutput): void {
  expect(out.forecastedRegrets).toEqual({})
  expect(out.forecastImpliedInferences).toEqual({})
  expect(out.oneOutInfererInferences).toEqual({})
  expect(out.oneOutForecasterInferences).toEqual({})
  expect(out.oneInForecasterInferences).toEqual({})
  expect(plainOf(out.oneOutInfererForecastImpliedInferences)).toEqual({})
  expect(out.weights).toEqual({ inferers: {}, forecasters: {} })
  expect(out.confidenceInterval).toEqual({ percentiles: [], values: [] })
}

describe('worked example of epoch-json §9', () => {
  const example = readJson(`${VECTORS_DIR}/epochs/spec_example_synthesize.json`)
  const c = synthesizeCaseFromJson(example.synthesize)

  it('gives every field, with exactly the listed ids, within 1e-6', () => {
    expectMatches(outputToJson(run(c.input, c.state, c.params)), example.expected.synthesize)
  })

  it('drops the pair of a forecaster that covers only the withheld inferer (§6.6)', () => {
    const out = run(c.input, c.state, c.params)
    expect(Object.keys(plainOf(out.oneOutInfererForecastImpliedInferences).erin).sort()).toEqual(['alice', 'carol'])
  })
})

describe('reference epochs 301–303 (expected.synthesize, epoch-json §7)', () => {
  it.each([301, 302, 303])('epoch %i', (epoch) => {
    const file = readJson(`${VECTORS_DIR}/epochs/epoch_${epoch}.json`)
    const c = synthesizeCaseFromJson(file.synthesize)
    expectMatches(outputToJson(run(c.input, c.state, c.params)), file.expected.synthesize)
  })
})

describe('worked examples from the chain tests (test_literals_worked_examples.json)', () => {
  it('forecast-implied inference, two workers and one forecaster (absolute 1e-4)', () => {
    const ex = literals.forecast_implied_inference_two_workers_one_forecaster
    expect(ex.tolerance).toBe('absolute 1e-4')
    const i = ex.inputs
    const params = { ...DEFAULT_PARAMS, pNorm: Number(i.p), cNorm: Number(i.c), epsilon: Number(i.epsilon_topic) }
    const toNumbers = (m: Record<string, string>): Record<string, number> =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v)]))
    const forecasts = Object.fromEntries(
      Object.entries(i.forecast as Record<string, Record<string, string>>).map(([k, m]) => [k, toNumbers(m)]),
    )
    // all_inferers_are_new is false: any non-zero initial regret keeps the weighted mode.
    const out = run(
      { inferences: toNumbers(i.inferences), forecasts },
      state({ initialRegret: -1, previousNetworkLoss: Number(i.previous_network_combined_loss) }),
      params,
    )
    expect(Math.abs(out.forecastImpliedInferences.forecaster0 - Number(ex.expected.forecaster0))).toBeLessThanOrEqual(
      1e-4,
    )
    expect(out.forecastedRegrets).toEqual({ forecaster0: { worker0: -2.5, worker1: -3.5 } })
  })

  it('first epoch: no stored network loss gives the median of the inferences', () => {
    const ex = literals.no_previous_losses_median
    const c = synthesizeCaseFromJson(epoch302.synthesize)
    const out = run(c.input, { ...c.state, previousNetworkLoss: null }, c.params)
    expect(out.networkInference).toBe(Number(ex.expected_combined_value))
    expect(out.naiveInference).toBe(0)
    expectEmptyMaps(out)
  })

  it('one old inferer, the rest new, no forecasters (relative 1e-5)', () => {
    const ex = literals.one_old_inferer_no_forecasters
    expect(ex.tolerance).toBe('relative 1e-5')
    const c = synthesizeCaseFromJson(epoch302.synthesize)
    const stored = c.state.regrets
    // The chain test stores epoch 301's regrets for inferer 0 (w0) only
    // (testutil.SetRegretsFromPreviousEpoch with inferers = [inferer0]): its network and
    // naive regret and, among one-out regrets, only the pair (withheld w0, inferer w0),
    // which no network reads. Every one-out network therefore sees only initial regrets.
    const onlyW0 = (set: RegretSet | undefined): RegretSet => ({ inferers: { w0: set!.inferers.w0 }, forecasters: {} })
    const s: TopicState = {
      ...c.state,
      initialRegret: Number(ex.inputs.topic.initial_regret),
      regrets: {
        network: onlyW0(stored.network),
        naive: onlyW0(stored.naive),
        oneOutInferer: familyOf({ w0: onlyW0(plainOf(stored.oneOutInferer).w0) }),
        oneOutForecaster: EMPTY_FAMILY,
        oneInForecaster: EMPTY_FAMILY,
      },
    }
    const out = run({ inferences: c.input.inferences, forecasts: {} }, s, c.params)
    const near = (got: number, want: string): void =>
      expect(Math.abs(got - Number(want))).toBeLessThanOrEqual(1e-5 * Math.abs(Number(want)))
    near(out.networkInference, ex.expected.combined)
    const oneOut = ex.expected.one_out as Record<string, string>
    expect(Object.keys(out.oneOutInfererInferences)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4'])
    for (const [name, want] of Object.entries(oneOut))
      near(out.oneOutInfererInferences[`w${name.slice('inferer'.length)}`], want)
    expect(out.forecastImpliedInferences).toEqual({})
    expect(out.oneOutForecasterInferences).toEqual({})
    expect(out.oneInForecasterInferences).toEqual({})
  })
})

describe('modes of epoch-json §3.2', () => {
  const forecasts = { k1: { a: -1, b: -2, c: -1.5 }, k2: { d: -1 }, k3: { zz: -1 } }
  const inferences = { a: 1, b: 2, c: 4, d: 10 }

  it('1. no inference is an error', () => {
    expect(() => run({ inferences: {}, forecasts }, state({}))).toThrow(
      expect.objectContaining({ name: 'SynthesisError', code: 'NO_INFERENCES' }),
    )
  })

  it('2. one inference: both values are it, everything else empty', () => {
    const out = run({ inferences: { a: 0.25 }, forecasts }, state({}))
    expect([out.networkInference, out.naiveInference]).toEqual([0.25, 0.25])
    expectEmptyMaps(out)
  })

  it('3. no stored network loss: median and naive 0, everything else empty (even in new-topic mode)', () => {
    for (const initialRegret of [-1, 0]) {
      const out = run({ inferences, forecasts }, state({ previousNetworkLoss: null, initialRegret }))
      expect([out.networkInference, out.naiveInference]).toEqual([3, 0])
      expectEmptyMaps(out)
    }
  })

  it('4. new topic (initial regret exactly 0): means, medians, nothing weighted', () => {
    const out = run({ inferences, forecasts }, state({ initialRegret: 0 }))
    expect(plainOf(out)).toEqual({
      networkInference: 4.25,
      naiveInference: 4.25,
      forecastedRegrets: {},
      forecastImpliedInferences: { k1: 2, k2: 10 },
      oneOutInfererInferences: { a: 16 / 3, b: 5, c: 13 / 3, d: 7 / 3 },
      oneOutForecasterInferences: { k1: 4.25, k2: 4.25 },
      oneInForecasterInferences: { k1: 4.25, k2: 4.25 },
      oneOutInfererForecastImpliedInferences: { k1: { a: 3, b: 2.5, c: 1.5, d: 2 }, k2: { a: 10, b: 10, c: 10 } },
      weights: { inferers: {}, forecasters: {} },
      confidenceInterval: { percentiles: [], values: [] },
    })
  })

  it('4. new topic with one forecaster has no one-out-forecaster or one-in values', () => {
    const out = run({ inferences, forecasts: { k1: forecasts.k1 } }, state({ initialRegret: 0 }))
    expect(out.oneOutForecasterInferences).toEqual({})
    expect(out.oneInForecasterInferences).toEqual({})
    expect(Object.keys(plainOf(out.oneOutInfererForecastImpliedInferences))).toEqual(['k1'])
  })

  it('5. weighted: the output maps hold exactly the listed ids', () => {
    const out = run({ inferences, forecasts }, state({}))
    const ids = ['a', 'b', 'c', 'd']
    expect(Object.keys(out.forecastedRegrets)).toEqual(['k1', 'k2'])
    expect(Object.keys(out.forecastedRegrets.k1)).toEqual(['a', 'b', 'c'])
    expect(Object.keys(out.forecastImpliedInferences)).toEqual(['k1', 'k2'])
    expect(out.forecastImpliedInferences.k2).toBe(10) // one covered inferer: weight 1
    expect(Object.keys(out.oneOutInfererInferences)).toEqual(ids)
    expect(Object.keys(out.oneOutForecasterInferences)).toEqual(['k1', 'k2'])
    expect(Object.keys(out.oneInForecasterInferences)).toEqual(['k1', 'k2'])
    expect(Object.keys(plainOf(out.oneOutInfererForecastImpliedInferences).k1)).toEqual(ids)
    expect(Object.keys(plainOf(out.oneOutInfererForecastImpliedInferences).k2)).toEqual(['a', 'b', 'c'])
    expect(plainOf(out.oneOutInfererForecastImpliedInferences).k1.d).toBe(out.forecastImpliedInferences.k1)
    expect(Object.keys(out.weights.inferers)).toEqual(ids)
    expect(Object.keys(out.weights.forecasters)).toEqual(['k1', 'k2'])
    expect(out.confidenceInterval.percentiles).toEqual([2.28, 15.87, 50, 84.13, 97.72])
    expect(out.confidenceInterval.values).toHaveLength(5)
  })
})

describe('edge cases (docs/spec/math.md §16, epoch-json §6)', () => {
  it('a forecaster covering no inferer with an inference is left out everywhere (§6.5)', () => {
    const inferences = { a: 1, b: 2 }
    const withGhost = run({ inferences, forecasts: { k1: { a: -1, b: -2 }, ghost: { zz: -1 } } }, state({}))
    const without = run({ inferences, forecasts: { k1: { a: -1, b: -2 } } }, state({}))
    expect(withGhost).toEqual(without)
    expect(jsonOf(withGhost)).not.toContain('ghost')
  })

  it('σ = 0 (all regrets equal): equal weights, so the combined value is the plain mean', () => {
    const out = run({ inferences: { a: 1, b: 2, c: 6 }, forecasts: {} }, state({ initialRegret: -0.3 }))
    const w = Object.values(out.weights.inferers)
    expect(new Set(w).size).toBe(1)
    expect(out.networkInference).toBeCloseTo(3, 14)
    expect(out.naiveInference).toBeCloseTo(3, 14)
  })

  it('one forecaster: no one-out-forecaster and no one-in values, one-out pairs still there', () => {
    const out = run({ inferences: { a: 1, b: 2, c: 3 }, forecasts: { k: { a: -1, c: -2 } } }, state({}))
    expect(out.oneOutForecasterInferences).toEqual({})
    expect(out.oneInForecasterInferences).toEqual({})
    expect(Object.keys(plainOf(out.oneOutInfererForecastImpliedInferences).k)).toEqual(['a', 'b', 'c'])
    // Without a, k covers c alone and implies c's inference with weight 1.
    expect(plainOf(out.oneOutInfererForecastImpliedInferences).k.a).toBe(3)
  })

  it('a Combine whose weights are all 0 floors its denominator and gives exactly 0', () => {
    // Construction: k covers only i00, so without i00 it has no value. In that network
    // 11 inferers share regret −2 and k has −1. With n = 12 values, σ = 1/√12, so k sits
    // (1/σ)/(σ + ε)·σ ≈ 3.35 normalised units above them; k's R̂ ≈ −3.2 is below the floor
    // c − 8.25/p = −2, so the set is shifted and the inferers land at ≈ −5.35 < c − 17.25/p
    // = −5: weight 0. k has weight but no value, so the numerator and Σw (which counts only
    // contributing entries) are 0.
    const ids = Array.from({ length: 12 }, (_, i) => `i${String(i).padStart(2, '0')}`)
    const inferences = Object.fromEntries(ids.map((id, i) => [id, 100 + i]))
    const others = Object.fromEntries(ids.slice(1).map((id) => [id, -2]))
    const s = state({
      regrets: { ...EMPTY_REGRETS, oneOutInferer: familyOf({ i00: { inferers: others, forecasters: { k: -1 } } }) },
    })
    const out = run({ inferences, forecasts: { k: { i00: -1 } } }, s)
    expect(out.oneOutInfererInferences.i00).toBe(0)
    expect(plainOf(out.oneOutInfererForecastImpliedInferences).k).not.toHaveProperty('i00')
  })

  it('a missing stored regret uses initial_regret; one stored equal to it changes nothing', () => {
    const input = { inferences: { a: 1, b: 2, c: 5 }, forecasts: { k: { a: -1, b: -3 } } }
    const base = run(input, state({ initialRegret: -0.7 }))
    const explicit = run(
      input,
      state({
        initialRegret: -0.7,
        regrets: { ...EMPTY_REGRETS, network: { inferers: { a: -0.7, b: -0.7, c: -0.7 }, forecasters: { k: -0.7 } } },
      }),
    )
    expect(explicit).toEqual(base)
  })

  it('ids that name Object.prototype members are ordinary ids', () => {
    const inferences = JSON.parse('{"__proto__": 1, "constructor": 2, "toString": 4}') as Record<string, number>
    const forecasts = JSON.parse('{"hasOwnProperty": {"__proto__": -1, "constructor": -2}}') as Record<
      string,
      Record<string, number>
    >
    const out = run({ inferences, forecasts }, state({}))
    expect(Object.keys(out.weights.inferers)).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.keys(out.oneOutInfererInferences)).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.hasOwn(plainOf(out.oneOutInfererForecastImpliedInferences).hasOwnProperty, '__proto__')).toBe(true)
    expect(JSON.parse(JSON.stringify(out.weights.inferers))).toHaveProperty('toString')
  })
})

describe('errors', () => {
  const input = { inferences: { a: 1, b: 2 }, forecasts: { k: { a: -1 } } }
  const code = (c: string) => expect.objectContaining({ name: 'SynthesisError', code: c })

  it('rejects non-finite inputs with NON_FINITE', () => {
    expect(() => run({ ...input, inferences: { a: Number.NaN, b: 2 } }, state({}))).toThrow(code('NON_FINITE'))
    expect(() => run({ ...input, forecasts: { k: { a: Number.POSITIVE_INFINITY } } }, state({}))).toThrow(
      code('NON_FINITE'),
    )
    expect(() => run(input, state({ previousNetworkLoss: Number.NaN }))).toThrow(code('NON_FINITE'))
    expect(() => run(input, state({ initialRegret: Number.NEGATIVE_INFINITY }))).toThrow(code('NON_FINITE'))
    const badRegret = { ...EMPTY_REGRETS, naive: { inferers: { a: Number.NaN }, forecasters: {} } }
    expect(() => run(input, state({ regrets: badRegret }))).toThrow(code('NON_FINITE'))
  })

  it('rejects a forecast or previous network loss that is not a log10 loss, an inference beyond ±1e300 (one absurd number would fail the epoch)', () => {
    for (const v of [1e155, -1e300, 309.5, -324.5]) {
      expect(() => run({ ...input, forecasts: { k: { a: v } } }, state({}))).toThrow(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          message: expect.stringMatching(/forecast of "k" for "a" is not a log10 loss/),
        }),
      )
    }
    expect(() => run(input, state({ previousNetworkLoss: 1e200 }))).toThrow(code('INVALID_INPUT'))
    // An inference near the largest double: a weighted sum of it would overflow.
    expect(() => run({ ...input, inferences: { a: 1.7e308, b: 2 } }, state({}))).toThrow(code('INVALID_INPUT'))
    expect(run({ ...input, inferences: { a: -1e300, b: 2 } }, state({})).networkInference).toBeLessThan(0)
    // The ends of the range are log10 losses.
    expect(Number.isFinite(run({ ...input, forecasts: { k: { a: 309, b: -324 } } }, state({})).networkInference)).toBe(
      true,
    )
  })

  it('rejects values that are not numbers with INVALID_INPUT', () => {
    const bad = { a: '1', b: 2 } as unknown as Record<string, number>
    expect(() => run({ ...input, inferences: bad }, state({}))).toThrow(code('INVALID_INPUT'))
    expect(() =>
      run({ ...input, forecasts: { k: null } as unknown as Record<string, Record<string, number>> }, state({})),
    ).toThrow(code('INVALID_INPUT'))
    const badRegret = {
      ...EMPTY_REGRETS,
      network: { inferers: { a: '0.1' }, forecasters: {} },
    } as unknown as TopicState['regrets']
    expect(() => run(input, state({ regrets: badRegret }))).toThrow(code('INVALID_INPUT'))
  })

  it('rejects unusable params with INVALID_PARAMS', () => {
    expect(() => run(input, state({}), { ...DEFAULT_PARAMS, pNorm: 0 })).toThrow(code('INVALID_PARAMS'))
    expect(() => run(input, state({}), { ...DEFAULT_PARAMS, epsilon: Number.NaN })).toThrow(code('INVALID_PARAMS'))
    // 1/ε overflows: a zero regret in a set with σ = 0 would normalise to 0·∞ = NaN.
    expect(() => run(input, state({}), { ...DEFAULT_PARAMS, epsilon: 1e-320 })).toThrow(code('INVALID_PARAMS'))
    expect(() => run(input, state({}), { ...DEFAULT_PARAMS, epsilon: 1e-300 })).not.toThrow()
  })

  it('weighs a network whose stored regrets are huge by their true σ (the one-pass sums overflow)', () => {
    // (Σd)² overflows for these regrets while σ ≈ 4.3e153 is finite: read as σ = 0, every
    // regret but the first was capped and both got the same, larger weight.
    const a = 7.5e153
    const regrets = { ...EMPTY_REGRETS, network: { inferers: { a: 0, b: a, c: a }, forecasters: {} } }
    const out = run({ inferences: { a: 1, b: 2, c: 3 }, forecasts: {} }, state({ initialRegret: 0.5, regrets }))
    const k = weightKernel(DEFAULT_PARAMS.pNorm, DEFAULT_PARAMS.cNorm, DEFAULT_PARAMS.epsilon)
    const want = new Float64Array(3)
    weightsOfRegrets(k, Float64Array.from([0, a, a]), 3, want, undefined)
    expect([out.weights.inferers.a, out.weights.inferers.b, out.weights.inferers.c]).toEqual(Array.from(want))
    const sigma = a / Math.sqrt(3)
    expect(out.weights.inferers.b).toBeCloseTo(
      weightOf(k, a / (sigma + DEFAULT_PARAMS.epsilon), a / (sigma + DEFAULT_PARAMS.epsilon)),
      12,
    )
  })

  it('reports an output that overflows instead of returning it', () => {
    // Inferences are bounded (1e300) so that weights up to pNorm cannot overflow Σ w·I; a
    // pNorm of 1e9 can: a regret of 0.5 normalises (σ = 0) to 50, capped at c + 6.75/p,
    // weight ≈ p, and Σ w·I ≈ 3e9 × 1e300.
    const huge = { inferences: { a: 1e300, b: 1e300, c: 1e300 }, forecasts: {} }
    const params = { ...DEFAULT_PARAMS, pNorm: 1e9 }
    expect(() => run(huge, state({ initialRegret: 0.5 }), params)).toThrow(SynthesisError)
    expect(() => run(huge, state({ initialRegret: 0.5 }), params)).toThrow(code('NON_FINITE'))
  })
})
