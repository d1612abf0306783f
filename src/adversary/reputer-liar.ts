/**
 * A reputer that lies: it computes the honest loss bundle, then mirrors every log10 loss in it
 * within the bundle's own range (v → min + max − v), so the best value of the epoch is reported
 * as the worst and the other way round. The lie stays inside the schema's ranges and the
 * bundle's shape (absent table entries stay NaN), so peers accept and pool it: only settlement
 * can tell, where a reputer far from the stake-weighted consensus scores, and earns, less.
 */
import type { LossBundleBuilder } from '../roles/reputer.js'
import type { IdMap, LossBundle } from '../synthesis/types.js'

export function liedBundle(honest: LossBundle): LossBundle {
  const all = [
    honest.network,
    honest.naive,
    ...[
      honest.inferers,
      honest.forecasters,
      honest.oneOutInferers,
      honest.oneOutForecasters,
      honest.oneInForecasters,
    ].flatMap((m) => Object.values(m)),
    ...honest.oneOutInfererForecasters.values,
  ].filter((v) => Number.isFinite(v))
  if (all.length === 0) return honest
  const lo = Math.min(...all)
  const hi = Math.max(...all)
  // Clamped: lo + hi − v can round one ulp past the range the honest values span.
  const mirror = (v: number): number => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, lo + hi - v)) : v)
  const mirrorMap = (m: IdMap): IdMap => Object.fromEntries(Object.entries(m).map(([id, v]) => [id, mirror(v)]))
  const table = honest.oneOutInfererForecasters
  return {
    network: mirror(honest.network),
    naive: mirror(honest.naive),
    inferers: mirrorMap(honest.inferers),
    forecasters: mirrorMap(honest.forecasters),
    oneOutInferers: mirrorMap(honest.oneOutInferers),
    oneOutForecasters: mirrorMap(honest.oneOutForecasters),
    oneInForecasters: mirrorMap(honest.oneInForecasters),
    oneOutInfererForecasters: { rows: table.rows, cols: table.cols, values: table.values.map(mirror) },
  }
}

/** A reputer's bundle builder that lies about what `honest` computes. */
export function lyingReputer(honest: LossBundleBuilder): LossBundleBuilder {
  return (decision, truth, previousTruth) => liedBundle(honest(decision, truth, previousTruth))
}
