/**
 * The cold start: what a short run shows. A topic is in new-topic mode (the plain mean of
 * the inferences, docs/spec/math.md §8.6) until a worker has been included 1/α_R times, and
 * its regrets then move by α_R per epoch, so the first tens of epochs decide what a new user
 * sees. Over 30 seeds of the synthetic topic and the default population, for runs of the
 * `chorus cluster` demo's length and shorter, with the demo's warm-up (a quarter, at most 20):
 * in how many the network's mean loss after warm-up is below the naive inference's, and the
 * geometric means of naive / network and best worker / network; with the spec's α_R and with
 * a faster one (whose long-run cost on real series `CHORUS_GAIN_PARAMS='{"alphaRegret":0.2}'
 * npm run bench -- collective-gain` shows).
 */
import { createGroundTruth } from '../src/roles/ground-truth/registry.js'
import { defaultWorkerPopulation, simulate } from '../src/roles/simulation.js'
import { DEFAULT_PARAMS } from '../src/synthesis/params.js'
import type { SynthesisParams } from '../src/synthesis/types.js'
import type { BenchRow, BenchSuite } from './lib.js'

const SEEDS = 30
const LENGTHS = [40, 100] as const

async function shortRuns(
  epochs: number,
  params: SynthesisParams,
): Promise<{ ahead: number; naive: number; best: number; newTopicEpochs: number }> {
  const warmup = Math.min(20, Math.floor(epochs / 4))
  let ahead = 0
  let naive = 0
  let best = 0
  let newTopicEpochs = 0
  for (let seed = 1; seed <= SEEDS; seed++) {
    const source = await createGroundTruth(`synthetic:${seed}`, {})
    const { summary, perEpoch } = await simulate({
      groundTruth: source,
      epochs,
      warmup,
      workers: defaultWorkerPopulation(),
      params,
    })
    if (summary.networkLoss < summary.naiveLoss) ahead++
    naive += Math.log(summary.naiveLoss / summary.networkLoss)
    best += Math.log((summary.bestWorkerLoss ?? Number.NaN) / (summary.bestWorkerNetworkLoss ?? Number.NaN))
    const firstWeighted = perEpoch.findIndex((e) => Object.keys(e.weights.inferers).length > 0)
    newTopicEpochs += firstWeighted < 0 ? epochs : firstWeighted
  }
  return { ahead, naive: Math.exp(naive / SEEDS), best: Math.exp(best / SEEDS), newTopicEpochs: newTopicEpochs / SEEDS }
}

export const suite: BenchSuite = {
  name: 'cold-start',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const variants: [string, SynthesisParams][] = [
      ['spec defaults', DEFAULT_PARAMS],
      ['alphaRegret 0.2', { ...DEFAULT_PARAMS, alphaRegret: 0.2 }],
    ]
    for (const [name, params] of variants) {
      for (const epochs of LENGTHS) {
        const r = await shortRuns(epochs, params)
        rows.push({
          suite: 'cold-start',
          case: `${epochs} epochs, ${name}: network below naive`,
          value: r.ahead,
          unit: `of ${SEEDS} seeds`,
          baselineName: 'seeds',
          baseline: SEEDS,
          ratio: r.naive,
          ratioMeaning: 'geo-mean naive / network',
          extra: { bestOverNetwork: r.best, newTopicEpochs: r.newTopicEpochs },
        })
      }
    }
    return rows
  },
}
