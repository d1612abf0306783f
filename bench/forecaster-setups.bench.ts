/**
 * Forecaster set-ups compared, in the manner of a study of forecasters: the default worker
 * population with every worker forecasting by one set-up, run by the offline simulator on
 * each gain series (gain-series.ts) as the collective-gain suite runs the default one. The
 * set-ups are the built-in adaptive forecaster and the learning forecaster with each target
 * (regret z-score, centred regret, loss share, log loss), per inferer and, for the z-score
 * and the share, one model for all inferers.
 *
 * Two rows per set-up: the mean over the synthetic seeds of best worker / network, and the
 * lowest over the real series; every series' best / network and naive / network are in the
 * extras.
 */
import { join } from 'node:path'
import { createGroundTruth } from '../src/roles/ground-truth/registry.js'
import { createModel } from '../src/roles/models/registry.js'
import { DEFAULT_POPULATION, simulate } from '../src/roles/simulation.js'
import { GAIN_EPOCHS, GAIN_SERIES, GAIN_START, GAIN_WARMUP } from './gain-series.js'
import type { BenchRow, BenchSuite } from './lib.js'

const SETUPS: readonly string[] = [
  'adaptive',
  'learn:target=zscore',
  'learn:target=zscore,scope=global',
  'learn:target=regret',
  'learn:target=share',
  'learn:target=share,scope=global',
  'learn:target=loss',
]

async function runSetup(setup: string): Promise<{ best: Record<string, number>; naive: Record<string, number> }> {
  const best: Record<string, number> = {}
  const naive: Record<string, number> = {}
  for (const s of GAIN_SERIES) {
    const source = await createGroundTruth(s.spec, { baseDir: join(import.meta.dirname, 'data') })
    const workers = DEFAULT_POPULATION.map((spec, i) => ({ id: `w${i}`, model: createModel(`${spec}@${setup}`) }))
    const { summary } = await simulate({
      groundTruth: source,
      epochs: Math.min(GAIN_EPOCHS, source.length - GAIN_START),
      warmup: GAIN_WARMUP,
      start: GAIN_START,
      lossFunction: 'squared-error',
      workers,
    })
    best[s.name] = (summary.bestWorkerLoss ?? Number.NaN) / (summary.bestWorkerNetworkLoss ?? Number.NaN)
    naive[s.name] = summary.naiveLoss / summary.networkLoss
    process.stderr.write(`forecaster-setups: ${setup} on ${s.name}: best/network ${best[s.name].toFixed(3)}\n`)
  }
  return { best, naive }
}

export const suite: BenchSuite = {
  name: 'forecaster-setups',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const synthetic = GAIN_SERIES.filter((s) => s.synthetic).map((s) => s.name)
    const real = GAIN_SERIES.filter((s) => !s.synthetic).map((s) => s.name)
    for (const setup of SETUPS) {
      const { best, naive } = await runSetup(setup)
      const extra: Record<string, number> = {}
      for (const name of Object.keys(best)) {
        extra[`${name} best/network`] = best[name]
        extra[`${name} naive/network`] = naive[name]
      }
      const mean = synthetic.reduce((a, n) => a + best[n], 0) / synthetic.length
      const lowest = Math.min(...real.map((n) => best[n]))
      const common = { suite: 'forecaster-setups', unit: 'ratio', baselineName: 'best single worker', extra }
      rows.push({
        ...common,
        case: `${setup}: synthetic, mean of ${synthetic.length} seeds`,
        value: mean,
        baseline: 1,
        ratio: mean,
        ratioMeaning: 'best / network (goal >= 1.25)',
      })
      rows.push({
        ...common,
        case: `${setup}: real series, lowest`,
        value: lowest,
        baseline: 1,
        ratio: lowest,
        ratioMeaning: 'best / network (goal >= 0.98)',
      })
    }
    return rows
  },
}
