/**
 * Instant performance scores of workers from the network loss bundle (docs/spec/math.md §10;
 * epoch-json §6.14, §6.15). Losses are log10, so a score is a difference of log-losses:
 * positive means the network does better with the worker than without it.
 */
import { own, recordOf } from './id-map.js'
import type { IdMap, LossBundle } from './types.js'

/** §10.1: T_il = L⁻_li − L_i per withheld inferer; one inferer scores 0 (it has no one-out). */
export function infererScores(L: LossBundle): IdMap {
  const inferers = Object.keys(L.inferers)
  if (inferers.length === 1) return recordOf(inferers, [0])
  const ids = Object.keys(L.oneOutInferers).sort()
  return recordOf(
    ids,
    ids.map((l) => L.oneOutInferers[l] - L.network),
  )
}

/** f⁺ = 1 / 2^(N_f − 1), by exact halvings. */
export function uniqueAggregateFactor(oneOutCount: number): number {
  let f = 1
  for (let i = 1; i < oneOutCount; i++) f /= 2
  return f
}

/**
 * §10.2: T_ik = f⁺·(L⁻_i − L⁺_ki) + (1 − f⁺)·(L⁻_ki − L_i). One forecaster scores 0; a
 * forecaster without both a one-out and a one-in consensus loss gets no score. One-out and
 * one-in terms are matched by id (the chain matches list positions, equal whenever both
 * lists hold the same forecasters).
 */
export function forecasterScores(L: LossBundle): IdMap {
  const forecasters = Object.keys(L.forecasters)
  if (forecasters.length === 1) return recordOf(forecasters, [0])
  const fPlus = uniqueAggregateFactor(Object.keys(L.oneOutForecasters).length)
  const ids: string[] = []
  const values: number[] = []
  for (const k of Object.keys(L.oneInForecasters).sort()) {
    const oneOut = own(L.oneOutForecasters, k)
    if (oneOut === undefined) continue
    const oneIn = L.oneInForecasters[k]
    ids.push(k)
    values.push(fPlus * (L.naive - oneIn) + (1 - fPlus) * (oneOut - L.network))
  }
  return recordOf(ids, values)
}

/** §10.3: T_i = L⁻_i − L_i, how much the forecasts improve on the naive network. */
export function forecastingTaskScore(L: LossBundle): number {
  return L.naive - L.network
}
