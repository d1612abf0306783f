/**
 * Reference points for the collective-gain figures, from one simulated run's per-epoch
 * records: what simple rules that use only past losses get with the same workers, and (on the
 * synthetic series) what a selector that knew each regime in hindsight would get. They put
 * the network's figure in context; none of them is a goal. Losses are squared errors, the
 * loss function the bench runs.
 */
import { SyntheticSeries } from '../src/roles/ground-truth/synthetic.js'
import type { GroundTruthSource } from '../src/roles/plugins.js'
import type { EpochRecord } from '../src/roles/simulation.js'

export interface GainReferences {
  /** Mean loss of following, each epoch, the worker with the lowest mean loss over the last `window` known epochs. */
  readonly trailingSelection: number
  /** Mean loss of weighting the workers by 1 / (their mean loss over the last `window` known epochs)². */
  readonly inverseLossWeights: number
  /** Mean loss of the plain mean of the epoch's forecast-implied inferences (where there are any). */
  readonly forecastImpliedMean: number
  /** Synthetic series only: mean loss of the best worker of each regime, chosen in hindsight. */
  readonly hindsightRegimeBest?: number
}

/** `records` are the decided epochs after warm-up, in order, with `history` the ones before (for the windows). */
export function gainReferences(
  history: readonly EpochRecord[],
  records: readonly EpochRecord[],
  source: GroundTruthSource,
  window = 100,
): GainReferences {
  const all = [...history, ...records]
  const ids = Object.keys(records[0]?.inferences ?? {}).sort()
  const loss = (e: EpochRecord, v: number): number => (v - e.truth) ** 2
  let selection = 0
  let weighted = 0
  let impliedSum = 0
  let impliedCount = 0
  for (let t = history.length; t < all.length; t++) {
    const e = all[t]
    // The truth of the epoch before is not known yet when e is decided (lag 1).
    const past = all.slice(Math.max(0, t - 1 - window), Math.max(0, t - 1))
    const mean = ids.map((id) => past.reduce((s, p) => s + (p.losses.workers[id] ?? 0), 0) / Math.max(1, past.length))
    let best = 0
    for (let i = 1; i < ids.length; i++) if (mean[i] < mean[best]) best = i
    selection += loss(e, e.inferences[ids[best]])
    let num = 0
    let den = 0
    ids.forEach((id, i) => {
      const w = 1 / Math.max(mean[i], 1e-300) ** 2
      num += w * e.inferences[id]
      den += w
    })
    weighted += loss(e, num / den)
    const implied = Object.values(e.forecastImplied)
    if (implied.length > 0) {
      impliedSum += loss(e, implied.reduce((s, v) => s + v, 0) / implied.length)
      impliedCount++
    }
  }
  const n = records.length
  const out = {
    trailingSelection: selection / n,
    inverseLossWeights: weighted / n,
    forecastImpliedMean: impliedSum / Math.max(1, impliedCount),
  }
  if (!(source instanceof SyntheticSeries)) return out
  const byRegime = new Map<number, EpochRecord[]>()
  for (const e of records) {
    const start = source.regimeAt(e.epoch).start
    byRegime.set(start, [...(byRegime.get(start) ?? []), e])
  }
  let hindsight = 0
  for (const epochs of byRegime.values())
    hindsight += Math.min(...ids.map((id) => epochs.reduce((s, e) => s + e.losses.workers[id], 0)))
  return { ...out, hindsightRegimeBest: hindsight / n }
}
