import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SynthesisError } from '../../../src/synthesis/errors.js'
import { SIMULATOR_PARAMS } from '../../../src/synthesis/params.js'
import { SINGLE_PARTICIPANT_ENTROPY } from '../../../src/synthesis/reward-fractions.js'
import { settleEpoch } from '../../../src/synthesis/settle.js'
import type {
  IdMap,
  LossBundle,
  ReputerReport,
  SettleInput,
  SettleOutput,
  SynthesisParams,
  TopicState,
} from '../../../src/synthesis/types.js'
import { compareExpected, settleCase } from './settle-fixtures.js'
import { randomEpoch } from '../../utils/random-epoch.js'
import { emptyState, randomSettle, type RandomSettle } from './settle-random.js'
import { lossBundleOf, type LossBundleParts } from '../../utils/loss-bundle.js'
import { familyOf } from '../../../src/synthesis/regret-family.js'
import { jsonOf, plainOf } from '../../utils/plain.js'

const P = SIMULATOR_PARAMS

const bundle = lossBundleOf

function settle(
  reputers: IdMap<ReputerReport>,
  state: Partial<TopicState> = {},
  topicReward = 1000,
  params: SynthesisParams = P,
): SettleOutput {
  return settleEpoch(params, { reputers, topicReward }, { ...emptyState(), ...state })
}

function code(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    if (e instanceof SynthesisError) return e.code
    throw e
  }
  return undefined
}

/** A two-inferer, two-forecaster epoch with every field, reported by three reputers. */
function fullEpoch(): IdMap<ReputerReport> {
  const make = (d: number): LossBundle =>
    bundle({
      network: -2 + d,
      naive: -1.6 + d,
      inferers: { a: -1.8 + d, b: -2.1 - d },
      forecasters: { f: -1.9 + d, g: -2.05 },
      oneOutInferers: { a: -1.95 + d, b: -1.7 },
      oneOutForecasters: { f: -1.97, g: -1.99 + d },
      oneInForecasters: { f: -1.7 + d, g: -1.65 },
      oneOutInfererForecasters: { f: { a: -1.8, b: -1.85 + d }, g: { a: -2 + d } },
    })
  return {
    r1: { stake: 3000, losses: make(0) },
    r2: { stake: 5000, losses: make(0.05) },
    r3: { stake: 1000, losses: make(-0.08) },
  }
}

describe('reference epochs 301–303 (epoch-json §7, §8)', () => {
  for (const epoch of [301, 302, 303]) {
    it(`epoch ${epoch}: every expected settle value`, () => {
      const c = settleCase(`epochs/epoch_${epoch}.json`)
      const out = settleEpoch(c.params, c.input, c.state)
      expect(compareExpected(out, c.expected)).toEqual([])
    })
  }

  it('epoch 303 with the state epoch 302 produced gives the same result', () => {
    const c302 = settleCase('epochs/epoch_302.json')
    const c303 = settleCase('epochs/epoch_303.json')
    const after302 = settleEpoch(c302.params, c302.input, c302.state).state
    // Epoch 302's state lacks pre-300 forecaster history, so compare only what it determines.
    const state = {
      ...after302,
      scoreHistory: c303.state.scoreHistory,
      smoothedRewardFractions: c303.state.smoothedRewardFractions,
    }
    const out = settleEpoch(c303.params, c303.input, state)
    expect(compareExpected(out, c303.expected)).toEqual([])
  })
})

describe('errors (epoch-json §6.9, §6.23; docs/spec/math.md §16)', () => {
  const one = { r: { stake: 10, losses: bundle({ inferers: { a: -1 } }) } }
  it('no reputers', () => expect(code(() => settle({}))).toBe('NO_REPUTERS'))
  it('stake ≤ 0', () => {
    expect(code(() => settle({ r: { stake: 0, losses: bundle() } }))).toBe('ZERO_STAKE')
    expect(code(() => settle({ r: { stake: -5, losses: bundle() } }))).toBe('ZERO_STAKE')
  })
  it('no network or naive loss in any bundle', () => {
    const noNetwork = { ...bundle(), network: undefined } as unknown as LossBundle
    const noNaive = { ...bundle(), naive: undefined } as unknown as LossBundle
    expect(code(() => settle({ r: { stake: 1, losses: noNetwork } }))).toBe('MISSING_CONSENSUS_VALUE')
    expect(code(() => settle({ r: { stake: 1, losses: noNaive } }))).toBe('MISSING_CONSENSUS_VALUE')
    // One reputer reporting it is enough.
    expect(
      settle({ r: { stake: 1, losses: noNetwork }, s: { stake: 1, losses: bundle() } }).consensusLosses.network,
    ).toBe(-2)
  })
  it('NaN or Infinity anywhere in the inputs', () => {
    expect(code(() => settle({ r: { stake: 10, losses: bundle({ inferers: { a: NaN } }) } }))).toBe('NON_FINITE')
    expect(code(() => settle({ r: { stake: 10, losses: bundle({ network: Infinity }) } }))).toBe('NON_FINITE')
    expect(code(() => settle({ r: { stake: NaN, losses: bundle() } }))).toBe('NON_FINITE')
    expect(code(() => settle(one, {}, NaN))).toBe('NON_FINITE')
    expect(code(() => settle(one, { initialRegret: NaN }))).toBe('NON_FINITE')
    expect(code(() => settle(one, { forecasterScoreRatio: Infinity }))).toBe('NON_FINITE')
    const regrets = emptyState().regrets
    expect(
      code(() => settle(one, { regrets: { ...regrets, network: { inferers: { a: NaN }, forecasters: {} } } })),
    ).toBe('NON_FINITE')
    expect(
      code(() =>
        settle(one, {
          regrets: { ...regrets, oneOutInferer: familyOf({ zz: { inferers: { q: -Infinity }, forecasters: {} } }) },
        }),
      ),
    ).toBe('NON_FINITE')
    expect(code(() => settle(one, { scoreHistory: { inferers: [NaN], forecasters: [] } }))).toBe('NON_FINITE')
  })
  it('a reported value that is not a log10 loss, in a record or in the table (one absurd value would fail every epoch)', () => {
    const message = (f: () => unknown): string => {
      try {
        f()
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`
      }
      return 'no error'
    }
    expect(message(() => settle({ r: { stake: 10, losses: bundle({ inferers: { a: 1e300 } }) } }))).toMatch(
      /^INVALID_INPUT: reputers\.r\.losses\.inferers\.a is not a log10 loss/,
    )
    expect(message(() => settle({ r: { stake: 10, losses: bundle({ network: -400 }) } }))).toMatch(
      /^INVALID_INPUT: reputers\.r\.losses\.network is not a log10 loss/,
    )
    expect(
      message(() => settle({ r: { stake: 10, losses: bundle({ oneOutInfererForecasters: { f: { a: 1e300 } } }) } })),
    ).toMatch(/^INVALID_INPUT: .*one_out_inferer_forecasters\["f"\]\["a"\] is not a log10 loss/)
    expect(
      message(() => settle({ r: { stake: 10, losses: bundle({ oneOutInfererForecasters: { f: { a: Infinity } } }) } })),
    ).toMatch(/^NON_FINITE: .*\["f"\]\["a"\] is not finite/)
  })
  it('zero listened stake', () => {
    expect(code(() => settle(one, { listeningCoefficients: { r: 0 } }))).toBe('ZERO_LISTENED_STAKE')
  })
  it('invalid values', () => {
    expect(code(() => settle(one, {}, -1))).toBe('INVALID_INPUT')
    expect(code(() => settle(one, { listeningCoefficients: { r: 1.5 } }))).toBe('INVALID_INPUT')
    expect(code(() => settle(one, {}, 1, { ...P, alphaRegret: 0 }))).toBe('INVALID_PARAMS')
  })
})

describe('edge cases (epoch-json §6.9–§6.23, docs/spec/math.md §16)', () => {
  it('§6.9 consensus: stake-weighted over the reporters only; unreported values absent', () => {
    const out = settle({
      r1: { stake: 1, losses: bundle({ inferers: { a: -1, b: -3 } }) },
      r2: { stake: 3, losses: bundle({ inferers: { a: -2 } }) },
    })
    expect(out.consensusLosses.inferers).toEqual({ a: (-1 * 1 + -2 * 3) / 4, b: -3 })
    expect(out.consensusLosses.forecasters).toEqual({})
    expect(plainOf(out.consensusLosses.oneOutInfererForecasters)).toEqual({})
  })

  it('single inferer: score 0, entropy constant, no forecaster entropy', () => {
    const out = settle({
      r: { stake: 5, losses: bundle({ inferers: { a: -1 }, forecasters: { f: -2 }, oneInForecasters: { f: -1.2 } }) },
    })
    expect(out.infererScores).toEqual({ a: 0 })
    expect(out.entropies.inferers).toBe(SINGLE_PARTICIPANT_ENTROPY)
    expect(out.entropies.inferers).toBe(0.173286795139986)
    expect(out.rewardFractions.inferers).toEqual({ a: 1 })
    expect(out.state.smoothedRewardFractions.inferers).toEqual({ a: 1 })
    // One forecaster scores 0, but with one inferer G is skipped (§6.16).
    expect(out.forecasterScores).toEqual({ f: 0 })
    expect(out.entropies.forecasters).toBe(0)
    expect(out.rewardFractions.forecasters).toEqual({})
    expect(out.rewards.forecasters).toEqual({})
    // Every computed score enters the history, the constant 0s included (§6.14).
    expect(out.state.scoreHistory).toEqual({ inferers: [0], forecasters: [0] })
  })

  it('no forecasters: G = 0, empty forecaster maps, smoothed forecaster fractions kept', () => {
    const kept = { inferers: {}, forecasters: { old: 1 }, reputers: {} }
    const out = settle(
      { r: { stake: 5, losses: bundle({ inferers: { a: -1, b: -2 }, oneOutInferers: { a: -1.9, b: -2.2 } }) } },
      { smoothedRewardFractions: kept },
    )
    expect(out.forecasterScores).toEqual({})
    expect(out.entropies.forecasters).toBe(0)
    expect(out.rewardFractions.forecasters).toEqual({})
    expect(out.rewards.forecasters).toEqual({})
    expect(out.taskRewardFractions.forecasters).toBe(0)
    expect(out.state.smoothedRewardFractions.forecasters).toEqual({ old: 1 })
    // χ is still computed from T_i.
    expect(out.forecastingTaskScore).toBeCloseTo(0.5, 15)
  })

  it('§6.15 forecaster scores: f⁺ = 1/2^(N_f−1); no score without both one-out and one-in', () => {
    const out = settle({
      r: {
        stake: 5,
        losses: bundle({
          inferers: { a: -1, b: -2 },
          forecasters: { f: -2, g: -2, h: -2 },
          oneOutForecasters: { f: -1.9, g: -2.1 },
          oneInForecasters: { f: -1.7, h: -1.6 },
        }),
      },
    })
    // N_f = 2 → f⁺ = 1/2; g lacks a one-in value, h a one-out value.
    expect(Object.keys(out.forecasterScores)).toEqual(['f'])
    expect(out.forecasterScores.f).toBeCloseTo(0.5 * (-1.5 - -1.7) + 0.5 * (-1.9 - -2), 15)
  })

  it('§6.17 smoothing: first time takes the fraction itself, then the EMA, renormalised', () => {
    const r = fullEpoch()
    const first = settle(r)
    const again = settle(r, { smoothedRewardFractions: first.state.smoothedRewardFractions })
    for (const task of ['inferers', 'reputers'] as const) {
      const ids = Object.keys(first.rewardFractions[task])
      ids.forEach((id) =>
        expect(first.state.smoothedRewardFractions[task][id]).toBeCloseTo(first.rewardFractions[task][id], 15),
      )
      const prev = first.state.smoothedRewardFractions[task]
      const tilde = ids.map((id) => 0.1 * again.rewardFractions[task][id] + 0.9 * prev[id])
      const total = tilde.reduce((a, b) => a + b, 0)
      ids.forEach((id, i) => expect(again.state.smoothedRewardFractions[task][id]).toBeCloseTo(tilde[i] / total, 14))
    }
  })

  it('§6.20 χ: s_max = 0 and T_i = 0 gives 0.5 and ratio 0', () => {
    const out = settle(
      {
        r: {
          stake: 5,
          losses: bundle({ network: -2, naive: -2, inferers: { a: -1, b: -2 }, oneOutInferers: { a: -2.5, b: -2 } }),
        },
      },
      { forecasterScoreRatio: 0.7 },
    )
    expect(out.forecastingTaskScore).toBe(0)
    expect(out.forecastingUtility).toBe(0.5)
    expect(out.state.forecasterScoreRatio).toBe(0)
  })

  it('§6.20 χ: s_max = 0 and T_i ≠ 0 uses T_i/|T_i|', () => {
    const out = settle(
      {
        r: {
          stake: 5,
          losses: bundle({ network: -2, naive: -2.3, inferers: { a: -1, b: -2 }, oneOutInferers: { a: -2.5, b: -2 } }),
        },
      },
      { forecasterScoreRatio: 0.5 },
    )
    expect(out.state.forecasterScoreRatio).toBeCloseTo(0.1 * -1 + 0.9 * 0.5, 15)
    expect(out.forecastingUtility).toBeCloseTo(0.1 + 0.4 * out.state.forecasterScoreRatio, 15)
  })

  it('§6.21 γ denominator 0: inferer and forecaster task fractions are 0', () => {
    // Two inferers but no one-out values: no inferer scores, F = 0; no forecasters, G = 0.
    const out = settle({ r: { stake: 5, losses: bundle({ inferers: { a: -1, b: -2 } }) } })
    expect(out.infererScores).toEqual({})
    expect(out.entropies.inferers).toBe(0)
    expect(out.taskRewardFractions).toEqual({ inferers: 0, forecasters: 0, reputers: 1 })
    expect(out.rewards.reputers).toEqual({ r: 1000 })
  })

  it('§6.22 topic reward 0: all rewards 0, no inclusion count moves', () => {
    const out = settle(fullEpoch(), { infererInclusionCounts: { a: 3 } }, 0)
    for (const task of ['inferers', 'forecasters', 'reputers'] as const) {
      for (const v of Object.values(out.rewards[task])) expect(v).toBe(0)
    }
    expect(out.state.infererInclusionCounts).toEqual({ a: 3 })
    expect(out.state.forecasterInclusionCounts).toEqual({})
  })

  it('§6.13 a reward below 1 pays nothing and does not count', () => {
    const out = settle(fullEpoch(), { infererInclusionCounts: { a: 3, zz: 7 } }, 4)
    const paid = (task: 'inferers' | 'forecasters') =>
      Object.keys(out.rewards[task]).filter((id) => out.rewards[task][id] >= 1)
    const unpaid = Object.keys(out.rewards.inferers).filter((id) => out.rewards.inferers[id] < 1)
    expect(unpaid.length).toBeGreaterThan(0)
    for (const id of paid('inferers')) expect(out.state.infererInclusionCounts[id]).toBe(id === 'a' ? 4 : 1)
    for (const id of unpaid) expect(out.state.infererInclusionCounts[id]).toBe(id === 'a' ? 3 : undefined)
    expect(out.state.infererInclusionCounts.zz).toBe(7)
    for (const id of paid('forecasters')) expect(out.state.forecasterInclusionCounts[id]).toBe(1)
  })

  it('§6.12 initial regret: experienced = stored network regret and count ≥ 1/α_R (before increment)', () => {
    const r = fullEpoch()
    const regrets = { ...emptyState().regrets, network: { inferers: { a: -1 }, forecasters: { f: -0.5 } } }
    const base = { initialRegret: -3, regrets }
    // a has a stored regret but 9 < 10 paid epochs; b was paid 10 times but has no stored regret.
    expect(
      settle(r, { ...base, infererInclusionCounts: { a: 9, b: 10 }, forecasterInclusionCounts: { g: 50 } }).state
        .initialRegret,
    ).toBe(-3)
    // Only a: one value, σ = 0, so the offset multiplies ε alone.
    const one = settle(r, { ...base, infererInclusionCounts: { a: 10 } })
    expect(one.state.initialRegret).toBe(one.state.regrets.network.inferers.a + (0.75 - 8.25 / 3) * 0.01)
    // a and f: the 25 % quantile of two values and their sample standard deviation.
    const two = settle(r, { ...base, infererInclusionCounts: { a: 10 }, forecasterInclusionCounts: { f: 12 } })
    const sample = [two.state.regrets.network.inferers.a, two.state.regrets.network.forecasters.f]
    const sigma = Math.abs(sample[0] - sample[1]) / Math.SQRT2
    const q = Math.min(...sample) + 0.25 * Math.abs(sample[0] - sample[1])
    expect(two.state.initialRegret).toBeCloseTo(q + (0.75 - 8.25 / 3) * (sigma + 0.01), 12)
  })

  it('§6.7 regrets: missing previous uses the old initial regret; absent workers are kept', () => {
    const r = fullEpoch()
    const regrets = {
      ...emptyState().regrets,
      network: { inferers: { a: -1, gone: 0.3 }, forecasters: {} },
      oneOutInferer: familyOf({ gone: { inferers: { a: 1 }, forecasters: {} } }),
    }
    const out = settle(r, { initialRegret: -3, regrets })
    const L = plainOf(out.consensusLosses)
    const regretsOut = plainOf(out.state.regrets)
    expect(out.state.regrets.network.inferers.gone).toBe(0.3)
    expect(regretsOut.oneOutInferer.gone).toEqual({ inferers: { a: 1 }, forecasters: {} })
    expect(out.state.regrets.network.inferers.a).toBeCloseTo(0.1 * (L.network - L.inferers.a) + 0.9 * -1, 15)
    expect(out.state.regrets.network.inferers.b).toBeCloseTo(0.1 * (L.network - L.inferers.b) + 0.9 * -3, 15)
    // One-out-inferer regrets of forecasters come from the recomputed forecast losses.
    expect(regretsOut.oneOutInferer.a.forecasters).toEqual({
      f: 0.1 * (L.oneOutInferers.a - L.oneOutInfererForecasters.f.a) + 0.9 * -3,
      g: 0.1 * (L.oneOutInferers.a - L.oneOutInfererForecasters.g.a) + 0.9 * -3,
    })
    expect(Object.keys(regretsOut.oneOutInferer.b.forecasters)).toEqual(['f'])
    expect(regretsOut.oneInForecaster.f.forecasters.f).toBeCloseTo(
      0.1 * (L.oneInForecasters.f - L.forecasters.f) - 0.9 * 3,
      15,
    )
    expect(out.state.regrets.naive.forecasters).toEqual({})
  })

  it('§6.14 score history: newest first, cut to max_samples_to_scale_scores', () => {
    const r = fullEpoch()
    const out = settle(r, { scoreHistory: { inferers: [9, 8, 7, 6, 5, 4, 3, 2, 1], forecasters: [1] } })
    const scores = ['a', 'b'].map((id) => out.infererScores[id])
    expect(out.state.scoreHistory.inferers).toEqual([...scores, 9, 8, 7, 6, 5, 4, 3, 2])
    expect(out.state.scoreHistory.forecasters).toEqual([out.forecasterScores.f, out.forecasterScores.g, 1])
  })

  it('missing reputer values: NaN padding in scoring, plain omission in the consensus', () => {
    const r = fullEpoch()
    const partial = { ...r.r3.losses, inferers: { a: r.r3.losses.inferers.a } }
    const out = settle({ ...r, r3: { stake: r.r3.stake, losses: partial } })
    expect(out.consensusLosses.inferers.b).toBeCloseTo(
      (3000 * r.r1.losses.inferers.b + 5000 * r.r2.losses.inferers.b) / 8000,
      15,
    )
    for (const v of Object.values(out.reputerScores)) expect(Number.isFinite(v) && v > 0).toBe(true)
  })

  it('ids that are Object.prototype names work like any other id', () => {
    const losses = bundle({
      inferers: { constructor: -1, __proto__: -2, toString: -1.5 } as unknown as IdMap,
      oneOutInferers: JSON.parse('{"constructor":-1.9,"__proto__":-2.2,"toString":-2}'),
    })
    const withProto = { ...losses, inferers: JSON.parse('{"constructor":-1,"__proto__":-2,"toString":-1.5}') }
    const parsed = JSON.parse(
      JSON.stringify({ hasOwnProperty: { stake: 1, losses: { ...withProto, oneOutInfererForecasters: {} } } }),
    ) as IdMap<ReputerReport>
    const id: string = 'hasOwnProperty'
    const out = settle({ [id]: { stake: parsed[id].stake, losses: bundle(parsed[id].losses as LossBundleParts) } })
    expect(Object.keys(out.infererScores).sort()).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.keys(out.state.regrets.network.inferers).sort()).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.keys(out.reputerScores)).toEqual(['hasOwnProperty'])
  })
})

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/** The same records with every map's keys inserted in a shuffled order. */
function shuffled<T>(value: T, u: () => number): T {
  if (Array.isArray(value) || ArrayBuffer.isView(value) || typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value as Record<string, unknown>)
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1))
    ;[entries[i], entries[j]] = [entries[j], entries[i]]
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffled(v, u)])) as T
}

const epochArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 1 << 30 }),
    inferers: fc.integer({ min: 1, max: 9 }),
    forecasters: fc.integer({ min: 0, max: 4 }),
    reputers: fc.integer({ min: 1, max: 6 }),
    missing: fc.constantFrom(0, 0, 0.1),
    withState: fc.boolean(),
    topicReward: fc.constantFrom(0, 0.5, 3, 1e4, 1e9),
  })
  .map((o): RandomSettle => randomSettle(o.seed, o))

function run(e: { params: SynthesisParams; input: SettleInput; state: TopicState }): SettleOutput {
  return settleEpoch(e.params, e.input, e.state)
}

describe('properties', () => {
  it('permuting record insertion order gives byte-identical output', () => {
    fc.assert(
      fc.property(epochArb, fc.integer(), (e, s) => {
        let x = s >>> 0
        const u = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32
        const permuted = {
          params: e.params,
          input: { ...e.input, reputers: shuffled(e.input.reputers, u) },
          state: shuffled(e.state, u),
        }
        expect(jsonOf(run(permuted))).toBe(jsonOf(run(e)))
      }),
      { numRuns: 40 },
    )
  })

  it('is deterministic: the same input gives the same JSON bytes', () => {
    fc.assert(
      fc.property(epochArb, (e) => {
        expect(jsonOf(run(e))).toBe(jsonOf(run(structuredClone(e))))
      }),
      { numRuns: 25 },
    )
  })

  it('fractions of each task are non-negative and sum to 1; rewards stay within the topic reward', () => {
    fc.assert(
      fc.property(epochArb, (e) => {
        const out = run(e)
        for (const task of ['inferers', 'forecasters', 'reputers'] as const) {
          const f = Object.values(out.rewardFractions[task])
          for (const v of f) expect(v).toBeGreaterThanOrEqual(0)
          if (f.length > 0) expect(Math.abs(f.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12)
          const smoothed = Object.keys(out.rewardFractions[task]).map(
            (id) => out.state.smoothedRewardFractions[task][id],
          )
          if (smoothed.length > 0) expect(Math.abs(smoothed.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12)
        }
        const t = out.taskRewardFractions
        for (const v of [t.inferers, t.forecasters, t.reputers]) expect(v).toBeGreaterThanOrEqual(0)
        expect(t.inferers + t.forecasters + t.reputers).toBeLessThanOrEqual(1 + 1e-12)
        let total = 0
        for (const task of ['inferers', 'forecasters', 'reputers'] as const)
          for (const v of Object.values(out.rewards[task])) total += v
        expect(total).toBeLessThanOrEqual(e.input.topicReward * (1 + 1e-12))
        if (e.input.topicReward === 0) expect(total).toBe(0)
        expect(jsonOf(out)).not.toMatch(/null|NaN|Infinity/)
      }),
      { numRuns: 60 },
    )
  })

  it('on the shared random epochs (test/utils/random-epoch.ts): deterministic, fractions sum to 1, rewards ≤ E', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(0, 0.05),
        (seed, inferers, forecasters, reputers, missingRate) => {
          const e = randomEpoch(seed, { inferers, forecasters, reputers, missingRate, params: P })
          const out = settleEpoch(e.params, e.settle, e.state)
          expect(jsonOf(settleEpoch(e.params, structuredClone(e.settle), structuredClone(e.state)))).toBe(jsonOf(out))
          for (const task of ['inferers', 'forecasters', 'reputers'] as const) {
            const f = Object.values(out.rewardFractions[task])
            if (f.length > 0) expect(Math.abs(f.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12)
          }
          let total = 0
          for (const task of ['inferers', 'forecasters', 'reputers'] as const)
            for (const v of Object.values(out.rewards[task])) total += v
          expect(total).toBeLessThanOrEqual(e.settle.topicReward * (1 + 1e-12))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('the ledger-relevant invariant: with topic reward 0 nobody is paid or counted', () => {
    fc.assert(
      fc.property(epochArb, (e) => {
        const out = run({ ...e, input: { ...e.input, topicReward: 0 } })
        for (const task of ['inferers', 'forecasters', 'reputers'] as const)
          for (const v of Object.values(out.rewards[task])) expect(v).toBe(0)
        expect(out.state.infererInclusionCounts).toEqual({ ...e.state.infererInclusionCounts })
        expect(out.state.forecasterInclusionCounts).toEqual({ ...e.state.forecasterInclusionCounts })
      }),
      { numRuns: 30 },
    )
  })
})
