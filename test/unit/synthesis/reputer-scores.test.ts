import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lossMatrix, type LossMatrix } from '../../../src/synthesis/consensus-losses.js'
import { SynthesisError } from '../../../src/synthesis/errors.js'
import { SIMULATOR_PARAMS } from '../../../src/synthesis/params.js'
import { select } from '../../../src/synthesis/consensus-groups.js'
import { adjustedStakes, listeningDescent } from '../../../src/synthesis/reputer-scores.js'
import type { IdMap, LossBundle, ReputerReport, SynthesisParams } from '../../../src/synthesis/types.js'
import { readJson } from './settle-fixtures.js'
import { randomSettle, rng } from './settle-random.js'
import { EMPTY_MATRIX } from '../../../src/synthesis/id-matrix.js'

const P = SIMULATOR_PARAMS

// ---------------------------------------------------------------------------------------
// The straightforward formulas of docs/spec/math.md §11.1–§11.3, coordinate by coordinate, as the
// chain writes them: the reference the fast Gram-matrix implementation must agree with.
// ---------------------------------------------------------------------------------------

function refAdjusted(S: number[], a: number[]): number[] {
  let listened = 0
  for (let m = 0; m < S.length; m++) listened += a[m] * S[m]
  return S.map((s, m) => Math.min((S.length * a[m] * s) / listened, 1))
}

function refScores(X: number[][], S: number[], a: number[], p: SynthesisParams): { T: number[]; adj: number[] } {
  const adj = refAdjusted(S, a)
  const R = X.length
  const D = X[0].length
  const Lbar: number[] = []
  const mostDistant: number[] = []
  for (let j = 0; j < D; j++) {
    // Documented deviation: reporters all at a = 0 fall back to raw-stake weights.
    const reporters = X.map((_, m) => m).filter((m) => !Number.isNaN(X[m][j]))
    const w = reporters.some((m) => adj[m] > 0) ? adj : S
    let num = 0
    let den = 0
    for (const m of reporters) {
      num += w[m] * X[m][j]
      den += w[m]
    }
    Lbar.push(num / den)
    let best = -Infinity
    let value = NaN
    for (let m = 0; m < R; m++) {
      if (Number.isNaN(X[m][j])) continue
      if (Lbar[j] - X[m][j] > best) {
        best = Lbar[j] - X[m][j]
        value = X[m][j]
      }
    }
    mostDistant.push(value)
  }
  let norm = Math.sqrt(Lbar.reduce((s, v) => s + v * v, 0))
  if (norm === 0) norm = p.epsilonSafeDiv
  const T = X.map((row) => {
    let d = 0
    for (let j = 0; j < D; j++) {
      const v = Number.isNaN(row[j]) ? mostDistant[j] : row[j]
      d += (v - Lbar[j]) ** 2
    }
    return 1 / (Math.sqrt(d) / norm + p.epsilonReputer)
  })
  return { T, adj }
}

function refDescent(X: number[][], S: number[], initial: number[], p: SynthesisParams) {
  const totalStake = S.reduce((s, v) => s + v, 0)
  let a = initial.slice()
  let used = refScores(X, S, a, p)
  let maxGrad = 1
  for (let it = 0; maxGrad >= p.maxGradientThreshold && it < p.gradientDescentMaxIters; it++) {
    const aOld = a.slice()
    used = refScores(X, S, a, p)
    const base = used.T.reduce((s, t, m) => s + S[m] * t, 0)
    const g = a.map((al, l) => {
      const step = al === 1 ? -0.001 : 0.001
      const a2 = a.slice()
      a2[l] = al + step
      const T2 = refScores(X, S, a2, p).T
      return (1 - base / T2.reduce((s, t, m) => s + S[m] * t, 0)) / step
    })
    const aNew = a.map((al, l) => Math.min(Math.max(al + p.learningRate * g[l], 0), 1))
    const fOld = aOld.reduce((s, v, m) => s + v * S[m], 0) / totalStake
    const fNew = aNew.reduce((s, v, m) => s + v * S[m], 0) / totalStake
    let stop = false
    if (fNew < p.minStakeFraction) {
      if (fNew === fOld) stop = true
      else
        a = aOld.map((v, l) =>
          Math.min(Math.max(v + ((aNew[l] - v) * (p.minStakeFraction - fOld)) / (fNew - fOld), 0), 1),
        )
    } else a = aNew
    maxGrad = Math.max(...a.map((v, l) => Math.abs(v - aOld[l]))) / p.learningRate
    if (stop) break
  }
  return { scores: used.T, adjusted: used.adj, coefficients: a }
}

/** The matrix as nested arrays (before ConsensusDistances centres it in place). */
function rows(m: LossMatrix): number[][] {
  const n = m.layout.size
  return m.reputers.map((_, r) => Array.from(m.values.subarray(r * n, (r + 1) * n)))
}

function expectClose(got: ArrayLike<number>, exp: ArrayLike<number>, rel: number): void {
  expect(got.length).toBe(exp.length)
  for (let i = 0; i < exp.length; i++) {
    const tol = rel * Math.max(1, Math.abs(exp[i]))
    if (!(Math.abs(got[i] - exp[i]) <= tol))
      throw new Error(`index ${i}: got ${got[i]}, expected ${exp[i]} (tolerance ${tol})`)
  }
}

function compareWithReference(reports: IdMap<ReputerReport>, initial: number[], p: SynthesisParams = P): void {
  const ids = Object.keys(reports).sort()
  const m = lossMatrix(ids, reports)
  const X = rows(m)
  const S = Array.from(m.stakes)
  const ref = refDescent(X, S, initial, p)
  const got = listeningDescent(m, initial, p)
  // The Gram distances agree with the direct ones to ~1e-10 relative, but the descent's
  // finite-difference gradient (1 − ΣST/ΣST′)/δ with δ = 0.001 multiplies such differences
  // by up to 1/δ before they reach the coefficients (fast-check found 7e-9 at seed 332957).
  expectClose(got.scores, ref.scores, 1e-7)
  expectClose(got.adjustedStakes, ref.adjusted, 1e-7)
  expectClose(got.coefficients, ref.coefficients, 1e-7)
}

/** Reputers built from one honest truth: `spread` noise, some reputers dropping whole fields. */
function correlatedReports(seed: number, reputers: number, size: number): IdMap<ReputerReport> {
  const base = randomSettle(seed, { inferers: size, forecasters: Math.max(2, size >> 2), reputers, missing: 0.02 })
  const u = rng(seed + 1)
  const out: Record<string, ReputerReport> = {}
  for (const [id, r] of Object.entries(base.input.reputers)) {
    const l = r.losses
    const drop = u()
    const losses: LossBundle = {
      ...l,
      // Whole fields missing: partial coordinate groups large enough for the Gram path.
      oneOutInfererForecasters: drop < 0.3 ? EMPTY_MATRIX : l.oneOutInfererForecasters,
      inferers: drop > 0.8 ? {} : l.inferers,
    }
    out[id] = { stake: r.stake, losses }
  }
  return out
}

describe('adjusted stake (§11.1)', () => {
  it('matches TestAdjustedStakeSimple', () => {
    const c = readJson('test_literals_worked_examples.json').adjusted_stake
    const S = c.inputs.stakes.map(Number)
    const a = c.inputs.listening_coefficients.map(Number)
    const out = adjustedStakes(S, a, new Float64Array(3))
    // The Go test's literal came from a smoothed min and agrees to its tolerance 1e-4.
    expect(Math.abs(out[c.inputs.index] - Number(c.expected))).toBeLessThan(1e-4)
    expect(out[1]).toBeCloseTo((3 * 0.18 * 100000) / (0.25 * 50000 + 0.18 * 100000 + 0.63 * 150000), 15)
  })

  it('caps at 1 and refuses zero listened stake', () => {
    expect(Array.from(adjustedStakes([1, 1000], [1, 1], new Float64Array(2)))).toEqual([2 / 1001, 1])
    expect(() => adjustedStakes([5, 6], [0, 0], new Float64Array(2))).toThrow(SynthesisError)
  })
})

describe('fast consensus scoring agrees with the direct formulas (§11.2, §11.3)', () => {
  it('on random epochs without missing values', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = 1 + (seed % 7)
      const s = randomSettle(seed, {
        inferers: 3 + seed,
        forecasters: seed % 4,
        reputers: r,
        noise: 0.05 + 0.02 * seed,
      })
      const initial = Object.keys(s.input.reputers).map((_, i) => (i % 3 === 0 ? 1 : 0.4 + 0.05 * i))
      compareWithReference(s.input.reputers, initial)
    }
  })

  it('with scattered missing values (direct groups) and missing fields (partial Gram groups)', () => {
    for (let seed = 20; seed < 32; seed++) {
      const reports =
        seed % 2 === 0
          ? randomSettle(seed, { inferers: 8, forecasters: 3, reputers: 6, missing: 0.15 }).input.reputers
          : correlatedReports(seed, 7, 16)
      compareWithReference(
        reports,
        Object.keys(reports).map(() => 1),
      )
    }
  })

  it('the descent amplifies Gram-vs-direct differences by at most ~1/δ (seed 332957)', () => {
    const s = randomSettle(332957, { inferers: 5, forecasters: 2, reputers: 3, missing: 5e-324 })
    compareWithReference(s.input.reputers, [0.22958402791756083, 0.5172618837132603, 0.48458592825680646])
  })

  it('fast-check: any small epoch, any coefficients', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 0.4, noNaN: true }),
        fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (seed, reputers, missing, coefficients) => {
          const s = randomSettle(seed, { inferers: 5, forecasters: 2, reputers, missing })
          compareWithReference(s.input.reputers, coefficients.slice(0, reputers))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('identical honest reputers score exactly 1/ε_rep when they hold all the weight', () => {
    const s = randomSettle(5, { inferers: 40, forecasters: 4, reputers: 1 })
    const only = Object.values(s.input.reputers)[0]
    const reports = Object.fromEntries(
      ['a', 'b', 'c', 'd'].map((id, i) => [id, { stake: 1000 * (i + 1), losses: only.losses }]),
    )
    const m = lossMatrix(Object.keys(reports).sort(), reports)
    const out = listeningDescent(m, [1, 1, 1, 1], P)
    expect(Array.from(out.scores)).toEqual([100, 100, 100, 100].map((v) => 1 / (0 + 1 / v)))
    expect(Array.from(out.coefficients)).toEqual([1, 1, 1, 1])
  })

  it('recomputes distances that cancel in the Gram form (one far reputer barely listened to)', () => {
    const s = randomSettle(9, { inferers: 200, forecasters: 5, reputers: 1 })
    const honest = Object.values(s.input.reputers)[0].losses
    const shift = (map: IdMap, d: number): IdMap => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v + d]))
    const far: LossBundle = { ...honest, network: honest.network + 40, inferers: shift(honest.inferers, 40) }
    // The far reputer holds most raw stake, so the Gram matrix is centred on it, while its
    // coefficient makes the consensus sit on the others: their distances cancel.
    const reports: Record<string, ReputerReport> = { z: { stake: 1e9, losses: far } }
    for (const id of ['a', 'b', 'c']) reports[id] = { stake: 1e6, losses: honest }
    compareWithReference(reports, [1, 1, 1, 1e-9])
  })

  it('values reported only by reputers listened to with a = 0 use raw-stake weights', () => {
    const b = (x: IdMap): LossBundle => ({
      network: -2,
      naive: -1,
      inferers: x,
      forecasters: {},
      oneOutInferers: {},
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: EMPTY_MATRIX,
    })
    const reports = {
      a: { stake: 10, losses: b({ x: -1, y: -3 }) },
      b: { stake: 20, losses: b({ x: -1.5 }) },
      c: { stake: 5, losses: b({ x: -1.2 }) },
    }
    compareWithReference(reports, [0, 1, 1])
    const m = lossMatrix(['a', 'b', 'c'], reports)
    expect(() => listeningDescent(m, [0, 0, 0], P)).toThrow(expect.objectContaining({ code: 'ZERO_LISTENED_STAKE' }))
  })

  it('zero consensus norm is replaced by ε_div', () => {
    const zero: LossBundle = {
      network: 0,
      naive: 0,
      inferers: { x: 0 },
      forecasters: {},
      oneOutInferers: {},
      oneOutForecasters: {},
      oneInForecasters: {},
      oneOutInfererForecasters: EMPTY_MATRIX,
    }
    const reports = { a: { stake: 10, losses: zero }, b: { stake: 20, losses: { ...zero, inferers: { x: 1e-9 } } } }
    compareWithReference(reports, [1, 1])
  })

  it('the quirk: scores and adjusted stakes come from the start of the last iteration', () => {
    const s = randomSettle(77, { inferers: 6, forecasters: 2, reputers: 5, noise: 0.3 })
    const ids = Object.keys(s.input.reputers).sort()
    const m = lossMatrix(ids, s.input.reputers)
    const X = rows(m)
    const out = listeningDescent(m, [1, 1, 1, 1, 1], P)
    // Rerun with one iteration fewer: its final coefficients are the last iteration's start.
    const fewer = refDescent(X, Array.from(m.stakes), [1, 1, 1, 1, 1], {
      ...P,
      gradientDescentMaxIters: P.gradientDescentMaxIters - 1,
    })
    const atStart = refScores(X, Array.from(m.stakes), fewer.coefficients, P)
    expectClose(out.scores, atStart.T, 1e-9)
    expectClose(out.adjustedStakes, atStart.adj, 1e-9)
  })

  it('keeps at least min_stake_fraction of the stake listened to', () => {
    for (let seed = 100; seed < 106; seed++) {
      const s = randomSettle(seed, { inferers: 6, forecasters: 2, reputers: 6, noise: 0.5 })
      const ids = Object.keys(s.input.reputers).sort()
      const m = lossMatrix(ids, s.input.reputers)
      const out = listeningDescent(m, [0.55, 0.6, 0.5, 0.52, 0.58, 0.5], { ...P, learningRate: 0.5 })
      const S = Array.from(m.stakes)
      const f = S.reduce((acc, v, i) => acc + v * out.coefficients[i], 0) / S.reduce((a, b) => a + b, 0)
      expect(f).toBeGreaterThanOrEqual(P.minStakeFraction - 1e-12)
      for (const a of out.coefficients) expect(a >= 0 && a <= 1).toBe(true)
    }
  })
})

describe('quickselect used for the centres of partial groups', () => {
  it('returns the k-th smallest for any input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (xs, r) => {
          const rank = r % xs.length
          const sorted = [...xs].sort((a, b) => a - b)
          expect(select(Float64Array.from(xs), xs.length, rank)).toBe(sorted[rank])
        },
      ),
    )
  })
})
