/**
 * One epoch of the synthesis engine: synthesizeEpoch + settleEpoch on seeded random epochs
 * (test/utils/random-epoch.ts), against a floor measured in the same run: the same number of
 * weight-function evaluations (§5) as the synthesize step performs for that epoch, in a tight
 * loop. time / floor is the figure (goal: (1000, 100, 32) under 1 s and within 3×).
 *
 * Work: the one-out-inferer networks alone evaluate inferers × (inferers − 1 + forecasters)
 * weights, and each forecaster's one-out recomputations add elements² more, so the exact
 * work is ~ n² + f·e² (e = elements per forecast, 12 in a real network), and n² · f with
 * full forecasts. The growth rows (synthesize alone) show the exponent in n.
 *
 * The settle step's own irreducible work is of another kind: the reputer distances of §11
 * need the Gram matrix of the reputers' loss vectors, R(R+1)/2 dot products over every loss
 * coordinate (~n·f + 2n + 3f: 55M multiply-adds at (1000, 100, 32)), done by a WebAssembly
 * SIMD kernel. The "vs both floors" rows add that many multiply-adds, done by the same kernel
 * on rows that stay in the cache, to the weight-function floor.
 */
import { lossLayout } from '../src/synthesis/consensus-losses.js'
import { settleEpoch } from '../src/synthesis/settle.js'
import { countWeightEvaluations, synthesizeEpoch } from '../src/synthesis/synthesize.js'
import type { SynthesisInput, SynthesisParams, TopicState } from '../src/synthesis/types.js'
import { KernelArena } from '../src/synthesis/kernels/kernels.js'
import { weightKernel, weightOf } from '../src/synthesis/weights.js'
import { randomEpoch, type RandomEpoch } from '../test/utils/random-epoch.js'
import { type BenchRow, type BenchSuite, medianOf, timeRuns } from './lib.js'

const SEED = 20_241_024
/** Timed runs per case: the large epochs take ~0.1–2 s each, so few runs keep the suite short. */
const RUNS = { small: 15, large: 3 } as const
const FLOOR_RUNS = 5
/** A floor loop of a small epoch takes microseconds: time it for at least this long, so the median is of optimised code. */
const FLOOR_MIN_MS = 100
/** Warm-up of each epoch case before its timed runs. */
const WARMUP_MS = 300
const HEADLINE = [
  { inferers: 32, forecasters: 6, reputers: 6 },
  { inferers: 256, forecasters: 64, reputers: 16 },
  { inferers: 1000, forecasters: 100, reputers: 32 },
] as const
/** Every forecaster covers every inferer: the n² · f term of the one-out recomputations. */
const FULL = { inferers: 256, forecasters: 64, reputers: 16, elementsPerForecast: 256 } as const
/** Synthesize alone (settle's cost has its own shape), forecasters fixed, inferers doubling. */
const GROWTH_INFERERS = [250, 500, 1000, 2000] as const
const GROWTH_FORECASTERS = 100

const RATIO_MEANING = 'time / weight-fn floor (goal <= 3)'

/**
 * The regrets of the combined network, normalised as §5 does: a realistic sample of the
 * weight function's inputs for the floor loop (the same spread of clipped, shifted and
 * ordinary cases the epoch sees).
 */
function floorInputs(
  params: SynthesisParams,
  input: SynthesisInput,
  state: TopicState,
): { regrets: Float64Array; maxHat: number } {
  const regrets = state.regrets.network
  const values: number[] = []
  for (const id of Object.keys(input.inferences).sort()) values.push(regrets.inferers[id] ?? state.initialRegret)
  for (const id of Object.keys(input.forecasts).sort()) values.push(regrets.forecasters[id] ?? state.initialRegret)
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const sigma = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0
  const den = sigma + params.epsilon
  // A power-of-two buffer so the loop indexes with a mask, not a modulo.
  const size = 1 << Math.ceil(Math.log2(values.length))
  const out = new Float64Array(size)
  for (let i = 0; i < size; i++) out[i] = values[i % values.length] / den
  return { regrets: out, maxHat: Math.max(...values) / den }
}

/** Median ms of `evaluations` calls of the weight function over `inputs`, in a tight loop. */
async function floorMs(
  params: SynthesisParams,
  evaluations: number,
  inputs: { regrets: Float64Array; maxHat: number },
): Promise<number> {
  const k = weightKernel(params.pNorm, params.cNorm, params.epsilon)
  const { regrets, maxHat } = inputs
  const mask = regrets.length - 1
  const loop = (): number => {
    let acc = 0
    for (let i = 0; i < evaluations; i++) acc += weightOf(k, regrets[i & mask], maxHat)
    return acc
  }
  loop()
  return medianOf(await timeRuns(loop, FLOOR_RUNS, FLOOR_MIN_MS))
}

/**
 * Row length of the Gram floor: one block of the kernel (512 coordinates), so all rows stay
 * in the L2 cache as a block does inside the kernel, but are never read from memory again.
 */
const GRAM_FLOOR_COORDINATES = 512

/**
 * Median ms of `multiplyAdds` multiply-adds done by the settle step's own Gram kernel
 * (WebAssembly SIMD, src/synthesis/kernels) on K rows of one block that stay in the cache,
 * repeated until the count is reached: the floor of the reputer Gram matrix, R(R+1)/2
 * dot products over every loss coordinate (§11.2 distances for the listening-coefficient
 * descent), with the arithmetic and none of the memory traffic.
 */
async function gramFloorMs(multiplyAdds: number, rowCount: number): Promise<number> {
  const arena = new KernelArena()
  const perGram = ((rowCount * (rowCount + 1)) / 2) * GRAM_FLOOR_COORDINATES
  const repetitions = Math.max(1, Math.round(multiplyAdds / perGram))
  arena.begin(rowCount * GRAM_FLOOR_COORDINATES + KernelArena.gramDoubles(rowCount))
  const rows: Float64Array[] = []
  for (let i = 0; i < rowCount; i++) {
    const row = arena.f64(GRAM_FLOOR_COORDINATES)
    for (let t = 0; t < row.length; t++) row[t] = Math.sin(i * 31 + t)
    rows.push(row)
  }
  const mark = arena.mark()
  const loop = (): number => {
    let acc = 0
    for (let k = 0; k < repetitions; k++) {
      acc += arena.gram(rows, 0)[1]
      arena.release(mark)
    }
    return acc
  }
  loop()
  return medianOf(await timeRuns(loop, FLOOR_RUNS, FLOOR_MIN_MS))
}

/** Multiply-adds of the Gram matrix of an epoch whose reputers all report every loss. */
function gramMultiplyAdds(epoch: RandomEpoch): number {
  const reputers = Object.keys(epoch.settle.reputers).sort()
  const coordinates = lossLayout(reputers.map((id) => epoch.settle.reputers[id].losses)).size
  return ((reputers.length * (reputers.length + 1)) / 2) * coordinates
}

interface Timing {
  readonly synthesizeMs: number
  readonly settleMs: number
  readonly totalMs: number
}

/** Median of each step and of their sum over `runs` epochs (after one warm-up). */
function timeEpoch(epoch: RandomEpoch, runs: number, withSettle: boolean): Timing {
  const synth: number[] = []
  const settle: number[] = []
  const total: number[] = []
  // Warm-up: at least one epoch and WARMUP_MS, so a small epoch is timed in optimised code,
  // as on a node that has run a few hundred epochs.
  const warmupEnd = performance.now() + WARMUP_MS
  do {
    synthesizeEpoch(epoch.params, epoch.synthesis, epoch.state)
    if (withSettle) settleEpoch(epoch.params, epoch.settle, epoch.state)
  } while (performance.now() < warmupEnd)
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    synthesizeEpoch(epoch.params, epoch.synthesis, epoch.state)
    const t1 = performance.now()
    if (withSettle) settleEpoch(epoch.params, epoch.settle, epoch.state)
    const t2 = performance.now()
    synth.push(t1 - t0)
    settle.push(t2 - t1)
    total.push(t2 - t0)
  }
  return { synthesizeMs: medianOf(synth), settleMs: medianOf(settle), totalMs: medianOf(total) }
}

const label = (s: { inferers: number; forecasters: number; reputers: number }): string =>
  `(${s.inferers},${s.forecasters},${s.reputers})`

async function epochRow(
  shape: { inferers: number; forecasters: number; reputers: number; elementsPerForecast?: number },
  name: string,
): Promise<BenchRow> {
  const epoch = randomEpoch(SEED, shape)
  const evaluations = countWeightEvaluations(epoch.params, epoch.synthesis, epoch.state)
  const timing = timeEpoch(epoch, shape.inferers >= 256 ? RUNS.large : RUNS.small, true)
  const floor = await floorMs(epoch.params, evaluations, floorInputs(epoch.params, epoch.synthesis, epoch.state))
  const multiplyAdds = gramMultiplyAdds(epoch)
  const gramFloor = await gramFloorMs(multiplyAdds, shape.reputers + 1)
  return {
    suite: 'synthesis',
    case: name,
    value: timing.totalMs,
    unit: 'ms',
    baselineName: 'weight-fn floor',
    baseline: floor,
    ratio: timing.totalMs / floor,
    ratioMeaning: RATIO_MEANING,
    extra: {
      synthesizeMs: timing.synthesizeMs,
      settleMs: timing.settleMs,
      synthesizeOverFloor: timing.synthesizeMs / floor,
      weightEvaluations: evaluations,
      elementsPerForecast: shape.elementsPerForecast ?? Math.min(shape.inferers, 12),
      gramMultiplyAdds: multiplyAdds,
      gramFloorMs: gramFloor,
      settleOverGramFloor: timing.settleMs / gramFloor,
      // Both floors: the synthesize step's weight evaluations plus settle's Gram products.
      totalOverBothFloors: timing.totalMs / (floor + gramFloor),
    },
  }
}

/** The epoch row seen against both floors (weight evaluations + Gram multiply-adds). */
function bothFloorsRow(row: BenchRow): BenchRow {
  const extra = row.extra as { gramFloorMs: number }
  const both = row.baseline + extra.gramFloorMs
  return {
    suite: 'synthesis',
    case: `${row.case} vs both floors`,
    value: row.value,
    unit: 'ms',
    baselineName: 'weight-fn + Gram floor',
    baseline: both,
    ratio: row.value / both,
    ratioMeaning: 'time / (weight-fn + Gram floor)',
    extra: {},
  }
}

async function growthRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  let previous: { n: number; ms: number; evaluations: number } | undefined
  for (const n of GROWTH_INFERERS) {
    // One reputer: the settle input plays no part in synthesize and costs memory to build.
    const epoch = randomEpoch(SEED, { inferers: n, forecasters: GROWTH_FORECASTERS, reputers: 1 })
    const evaluations = countWeightEvaluations(epoch.params, epoch.synthesis, epoch.state)
    const { synthesizeMs } = timeEpoch(epoch, RUNS.large, false)
    const floor = await floorMs(epoch.params, evaluations, floorInputs(epoch.params, epoch.synthesis, epoch.state))
    const exponent = (a: number, b: number): number =>
      previous === undefined ? Number.NaN : Math.log(b / a) / Math.log(n / previous.n)
    rows.push({
      suite: 'synthesis',
      case: `growth synthesize (${n},${GROWTH_FORECASTERS})`,
      value: synthesizeMs,
      unit: 'ms',
      baselineName: 'weight-fn floor',
      baseline: floor,
      ratio: synthesizeMs / floor,
      ratioMeaning: RATIO_MEANING,
      extra: {
        weightEvaluations: evaluations,
        // Exponents against the previous row: time ∝ n^k and work ∝ n^k.
        timeExponent: previous === undefined ? 'n/a' : exponent(previous.ms, synthesizeMs),
        workExponent: previous === undefined ? 'n/a' : exponent(previous.evaluations, evaluations),
      },
    })
    previous = { n, ms: synthesizeMs, evaluations }
  }
  return rows
}

export const suite: BenchSuite = {
  name: 'synthesis',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    for (const shape of HEADLINE) {
      const row = await epochRow(shape, `epoch ${label(shape)}`)
      rows.push(row, bothFloorsRow(row))
    }
    rows.push(await epochRow(FULL, `epoch ${label(FULL)} full forecasts`))
    rows.push(...(await growthRows()))
    return rows
  },
}
