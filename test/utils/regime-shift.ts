/**
 * Regime adaptation, measured the same way offline (simulation) and over the network (cluster
 * decisions): after each regime change of the synthetic series, how much effective weight
 * the worker that suits the new regime has gained.
 */
import type { SyntheticSeries } from '../../src/roles/ground-truth/synthetic.js'

/** What one decided epoch tells: each worker's loss and effective weight. */
export interface WeightRecord {
  readonly epoch: number
  readonly losses: { readonly workers: Readonly<Record<string, number>> }
  readonly effectiveWeights: Readonly<Record<string, number>>
}

export interface Shift {
  readonly at: number
  readonly worker: string
  readonly before: number
  readonly after: number
}

/** Epochs after a regime change over which the suited worker's weight is read. */
export const SHIFT_FROM = 3
export const SHIFT_SPAN = 10

/** The worker with the lowest mean loss over epochs [from, to). */
function suitedWorker(records: readonly WeightRecord[], from: number, to: number): string {
  const span = records.filter((r) => r.epoch >= from && r.epoch < to)
  const ids = Object.keys(span[0].losses.workers)
  const mean = (id: string): number => span.reduce((s, r) => s + r.losses.workers[id], 0) / span.length
  return ids.reduce((best, id) => (mean(id) < mean(best) ? id : best))
}

function meanWeight(records: readonly WeightRecord[], id: string, from: number, to: number): number {
  const span = records.filter((r) => r.epoch >= from && r.epoch < to)
  return span.reduce((s, r) => s + (r.effectiveWeights[id] ?? 0), 0) / span.length
}

/**
 * For each regime change at epoch c (with SHIFT_FROM + SHIFT_SPAN epochs after it in the
 * records and 10 before it from `firstCounted` on): the mean effective weight of the worker
 * that suits the new regime (lowest mean loss over the regime's epochs in the records) over
 * [c + SHIFT_FROM, c + SHIFT_FROM + SHIFT_SPAN), and over the 10 epochs before c.
 */
export function regimeShifts(records: readonly WeightRecord[], series: SyntheticSeries, firstCounted: number): Shift[] {
  const last = records[records.length - 1].epoch
  const out: Shift[] = []
  for (const r of records) {
    const regime = series.regimeAt(r.epoch)
    if (regime.start !== r.epoch || r.epoch - 10 < firstCounted || r.epoch + SHIFT_FROM + SHIFT_SPAN > last + 1)
      continue
    const worker = suitedWorker(records, r.epoch, Math.min(regime.start + regime.length, last + 1))
    const after = meanWeight(records, worker, r.epoch + SHIFT_FROM, r.epoch + SHIFT_FROM + SHIFT_SPAN)
    out.push({ at: r.epoch, worker, before: meanWeight(records, worker, r.epoch - 10, r.epoch), after })
  }
  return out
}
