/**
 * Workers whose forecasts know something in hindsight, to measure which component caps the
 * collective gain. Their inferers are the real ones (a worker's inferences do not depend on
 * any forecast, so they equal those of the run being explained); only the forecasts are
 * replaced, and each covers the one inferer it expects to do best, as the default adaptive
 * forecaster does:
 * - regime-known: each inferer's mean log10 loss over the epoch's regime of the synthetic
 *   series. A forecaster that recognised every regime at once and knew who suits it, but
 *   not the epoch's own noise;
 * - hindsight best: always the worker with the lowest mean loss over the counted epochs.
 *   With it, what is left of the gap to the best worker is the network's combination, not
 *   the forecasts.
 */
import type { SyntheticSeries } from '../src/roles/ground-truth/synthetic.js'
import type { SimWorker, EpochRecord } from '../src/roles/simulation.js'

type ForecastOf = (epoch: number, inferers: readonly string[]) => Record<string, number>

function withForecasts(workers: readonly SimWorker[], forecastOf: ForecastOf): SimWorker[] {
  return workers.map((w) => ({
    id: w.id,
    model: {
      name: `${w.model.name} (forecasts replaced)`,
      infer: (context) => w.model.infer(context),
      forecast: (context) => forecastOf(context.epoch, context.inferers),
    },
  }))
}

/** The lowest of `forecast` alone (what cover 1 keeps). */
function lowestOnly(forecast: Record<string, number>): Record<string, number> {
  let best: string | undefined
  for (const id of Object.keys(forecast).sort()) if (best === undefined || forecast[id] < forecast[best]) best = id
  return best === undefined ? {} : { [best]: forecast[best] }
}

export function regimeKnownWorkers(
  workers: readonly SimWorker[],
  records: readonly EpochRecord[],
  source: SyntheticSeries,
): SimWorker[] {
  const sums = new Map<number, { n: number; logLoss: Map<string, number> }>()
  for (const e of records) {
    if (!e.decided) continue
    const start = source.regimeAt(e.epoch).start
    let s = sums.get(start)
    if (s === undefined) sums.set(start, (s = { n: 0, logLoss: new Map() }))
    s.n++
    for (const [id, l] of Object.entries(e.losses.workers))
      s.logLoss.set(id, (s.logLoss.get(id) ?? 0) + Math.log10(Math.max(l, Number.MIN_VALUE)))
  }
  return withForecasts(workers, (epoch, inferers) => {
    const s = sums.get(source.regimeAt(epoch).start)
    const out: Record<string, number> = {}
    if (s !== undefined) for (const id of inferers) if (s.logLoss.has(id)) out[id] = (s.logLoss.get(id) as number) / s.n
    return lowestOnly(out)
  })
}

export function hindsightBestWorkers(workers: readonly SimWorker[], counted: readonly EpochRecord[]): SimWorker[] {
  const mean = new Map<string, number>()
  for (const e of counted) for (const [id, l] of Object.entries(e.losses.workers)) mean.set(id, (mean.get(id) ?? 0) + l)
  const order = [...mean.keys()].sort((a, b) => (mean.get(a) as number) - (mean.get(b) as number) || (a < b ? -1 : 1))
  return withForecasts(workers, (_epoch, inferers) => {
    const pick = order.find((id) => inferers.includes(id))
    return pick === undefined ? {} : { [pick]: 0 }
  })
}
