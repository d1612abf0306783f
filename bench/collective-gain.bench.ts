/**
 * Collective gain: how much better the network inference is than its parts, over 500
 * epochs of the offline simulator (src/roles/simulation.ts) with the default worker
 * population, the spec's default parameters and squared error, on the default synthetic
 * topic (seed 42, plus two more seeds to show the spread) and on every real series in
 * bench/data/ (both eustock columns; a series shorter than 500 + 10 rows runs for as many
 * epochs as it has).
 *
 * Rows per series: best single worker's mean loss / network's (goal >= 1.25 on average on
 * the synthetic topic, >= 0.98 on real data) and naive's / network's (goal >= 1.15 on the
 * synthetic topic, > 1 on real data), both over the epochs after a 50-epoch warm-up. Each
 * row's extras say which component caps the figure: the same runs with forecasts that know
 * in hindsight the epoch's losses (perfect), each regime's (regime-known, synthetic only) or
 * the best worker (gain-ceilings.ts). Also written, with every worker's loss and the
 * reference points of gain-references.ts (simple rules on past losses, and on the synthetic
 * series the best worker of each regime in hindsight), to bench/results/collective-gain.json.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createGroundTruth } from '../src/roles/ground-truth/registry.js'
import { SyntheticSeries } from '../src/roles/ground-truth/synthetic.js'
import { resolveParams } from '../src/synthesis/params.js'
import { defaultWorkerPopulation, simulate } from '../src/roles/simulation.js'
import type { Summary } from '../src/roles/summary.js'
import type { BenchRow, BenchSuite } from './lib.js'
import { GAIN_EPOCHS, GAIN_SERIES, GAIN_START, GAIN_WARMUP } from './gain-series.js'
import { hindsightBestWorkers, regimeKnownWorkers } from './gain-ceilings.js'
import { gainReferences, type GainReferences } from './gain-references.js'

const EPOCHS = GAIN_EPOCHS
const WARMUP = GAIN_WARMUP
const START = GAIN_START
const SERIES = GAIN_SERIES
/** Topic parameters other than the spec's, to see what they change: CHORUS_GAIN_PARAMS='{"alphaRegret":0.2}'. */
const PARAMS = resolveParams(JSON.parse(process.env.CHORUS_GAIN_PARAMS ?? '{}') as Record<string, unknown>)

async function runSeries(spec: string): Promise<{
  summary: Summary
  /** The same run with perfect forecasts (simulate's diagnostic): the ceiling of the mechanism. */
  ceiling: Summary
  /** Forecasts that know each synthetic regime in hindsight (gain-ceilings.ts). */
  regimeKnown?: Summary
  /** Every forecaster picks the worker that is best over the counted epochs (gain-ceilings.ts). */
  hindsightBest: Summary
  epochs: number
  ms: number
  references: GainReferences
}> {
  const source = await createGroundTruth(spec, { baseDir: join(import.meta.dirname, 'data') })
  const epochs = Math.min(EPOCHS, source.length - START)
  const options = {
    groundTruth: source,
    epochs,
    warmup: WARMUP,
    start: START,
    lossFunction: 'squared-error',
    params: PARAMS,
  } as const
  const t0 = performance.now()
  const { summary, perEpoch } = await simulate({ ...options, workers: defaultWorkerPopulation() })
  const ms = performance.now() - t0
  const ceiling = (await simulate({ ...options, workers: defaultWorkerPopulation(), perfectForecasts: true })).summary
  const decided = perEpoch.filter((e) => e.decided)
  const hindsightBest = (
    await simulate({ ...options, workers: hindsightBestWorkers(defaultWorkerPopulation(), decided.slice(WARMUP)) })
  ).summary
  const regimeKnown =
    source instanceof SyntheticSeries
      ? (await simulate({ ...options, workers: regimeKnownWorkers(defaultWorkerPopulation(), perEpoch, source) }))
          .summary
      : undefined
  return {
    summary,
    ceiling,
    regimeKnown,
    hindsightBest,
    epochs,
    ms,
    references: gainReferences(decided.slice(0, WARMUP), decided.slice(WARMUP), source),
  }
}

/** Best worker / network, each over the best worker's epochs. */
function bestOverNetwork(s: Summary): number {
  return (s.bestWorkerLoss ?? Number.NaN) / (s.bestWorkerNetworkLoss ?? Number.NaN)
}

export const suite: BenchSuite = {
  name: 'collective-gain',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const details: Record<string, unknown> = {}
    for (const s of SERIES) {
      const { summary, ceiling, regimeKnown, hindsightBest, epochs, ms, references } = await runSeries(s.spec)
      const best = summary.bestWorkerLoss ?? Number.NaN
      // Best single worker / each reference (gain-references.ts): the context of the figure.
      const context: Record<string, number> = {
        bestOverTrailingSelection: best / references.trailingSelection,
        bestOverInverseLossWeights: best / references.inverseLossWeights,
        bestOverForecastImpliedMean: best / references.forecastImpliedMean,
      }
      if (references.hindsightRegimeBest !== undefined)
        context.bestOverHindsightRegimeBest = best / references.hindsightRegimeBest
      const extra = {
        epochs,
        counted: summary.counted,
        bestWorker: summary.bestWorker ?? '',
        equalWeightOverNetwork: summary.equalWeightLoss / summary.networkLoss,
        // With perfect forecasts: how far the mechanism itself can take the gain.
        bestOverNetworkWithPerfectForecasts: bestOverNetwork(ceiling),
        naiveOverNetworkWithPerfectForecasts: ceiling.naiveLoss / ceiling.networkLoss,
        // Forecasts that knew each regime (synthetic) or the best worker, in hindsight.
        ...(regimeKnown === undefined ? {} : { bestOverNetworkWithRegimeKnownForecasts: bestOverNetwork(regimeKnown) }),
        bestOverNetworkWithHindsightBestPick: bestOverNetwork(hindsightBest),
        ...context,
        ms: Math.round(ms),
      }
      rows.push({
        suite: 'collective-gain',
        case: `${s.name} best/network`,
        value: summary.networkLoss,
        unit: 'mse',
        baselineName: 'best single worker',
        baseline: best,
        // Against the network over the epochs the best worker answered (all of them here).
        ratio: bestOverNetwork(summary),
        ratioMeaning: s.synthetic ? 'best / network (goal >= 1.25)' : 'best / network (goal >= 0.98)',
        extra,
      })
      rows.push({
        suite: 'collective-gain',
        case: `${s.name} naive/network`,
        value: summary.networkLoss,
        unit: 'mse',
        baselineName: 'naive inference',
        baseline: summary.naiveLoss,
        ratio: summary.naiveLoss / summary.networkLoss,
        ratioMeaning: s.synthetic ? 'naive / network (goal >= 1.15)' : 'naive / network (goal > 1)',
        extra,
      })
      details[s.name] = { spec: s.spec, simulatedEpochs: epochs, warmup: WARMUP, ...summary, references }
    }
    const dir = join(import.meta.dirname, 'results')
    await mkdir(dir, { recursive: true })
    await writeFile(
      join(dir, 'collective-gain.json'),
      JSON.stringify({ date: new Date().toISOString(), series: details }, null, 2),
    )
    return rows
  },
}
