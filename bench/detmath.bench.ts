/**
 * Cost of determinism: ns per call of the fdlibm ports in src/synthesis/detmath.ts against the
 * engine's Math.* on the same inputs in the same run.
 */
import { exp, ln, pow } from '../src/synthesis/detmath.js'
import { type BenchRow, type BenchSuite, medianOf, timeRuns } from './lib.js'

/** Calls per timed run; large enough that loop overhead and timer resolution are noise. */
const CALLS_PER_RUN = 50_000
const MIN_RUNS = 10
const MIN_MS = 150
const WARMUP_RUNS = 3

/** Fixed, spread-out inputs (a linear congruential walk, so every run sees the same ones). */
function inputs(lo: number, hi: number, seed: number): Float64Array {
  const out = new Float64Array(CALLS_PER_RUN)
  let s = seed >>> 0
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = lo + (hi - lo) * (s / 4294967296)
  }
  return out
}

const X_EXP = inputs(-700, 700, 1)
const X_LN = inputs(1e-6, 1e6, 2)
const X_POW = inputs(1e-3, 1e3, 3)
const Y_POW = inputs(-50, 50, 4)

/**
 * One loop per function, each calling its function directly: a shared loop taking `f` would
 * make the call site megamorphic and charge both sides an indirect call that real code never pays.
 */
const LOOPS = {
  exp: {
    ours: (): number => {
      let acc = 0
      for (let i = 0; i < X_EXP.length; i++) acc += exp(X_EXP[i])
      return acc
    },
    math: (): number => {
      let acc = 0
      for (let i = 0; i < X_EXP.length; i++) acc += Math.exp(X_EXP[i])
      return acc
    },
  },
  ln: {
    ours: (): number => {
      let acc = 0
      for (let i = 0; i < X_LN.length; i++) acc += ln(X_LN[i])
      return acc
    },
    math: (): number => {
      let acc = 0
      for (let i = 0; i < X_LN.length; i++) acc += Math.log(X_LN[i])
      return acc
    },
  },
  pow: {
    ours: (): number => {
      let acc = 0
      for (let i = 0; i < X_POW.length; i++) acc += pow(X_POW[i], Y_POW[i])
      return acc
    },
    math: (): number => {
      let acc = 0
      for (let i = 0; i < X_POW.length; i++) acc += Math.pow(X_POW[i], Y_POW[i])
      return acc
    },
  },
} as const

async function nsPerCall(loop: () => number): Promise<number> {
  for (let i = 0; i < WARMUP_RUNS; i++) loop()
  // timeRuns awaits the result, so the sum is consumed and the loop cannot be dropped.
  const times = await timeRuns(loop, MIN_RUNS, MIN_MS)
  return (medianOf(times) * 1e6) / CALLS_PER_RUN
}

export const suite: BenchSuite = {
  name: 'detmath',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const baselines = { exp: 'Math.exp', ln: 'Math.log', pow: 'Math.pow' } as const
    for (const name of ['exp', 'ln', 'pow'] as const) {
      const ours = await nsPerCall(LOOPS[name].ours)
      const math = await nsPerCall(LOOPS[name].math)
      rows.push({
        suite: 'detmath',
        case: name,
        value: ours,
        unit: 'ns/op',
        baselineName: baselines[name],
        baseline: math,
        ratio: ours / math,
        ratioMeaning: 'ours / Math.* time (lower is better)',
        extra: { callsPerRun: CALLS_PER_RUN },
      })
    }
    return rows
  },
}
