/**
 * How a topic's reward is split between inferers, forecasters and reputers
 * (docs/spec/math.md §13, §13.1; epoch-json §6.20–§6.22).
 */
import { ema } from './stats.js'
import type { TaskMaps } from './types.js'

export interface ForecastingUtility {
  /** χ ∈ [0.1, 0.5]: the forecasters' weight in the worker share. */
  readonly chi: number
  /** τ_i, the smoothed forecaster score ratio stored for the next epoch. */
  readonly ratio: number
}

/**
 * §13.1: how much the forecasting task improves the network (T_i) relative to the best
 * inferer's contribution, smoothed over epochs, mapped linearly onto χ ∈ [0.1, 0.5].
 * s_max = max(0, max inferer score), so min(0, s_max) is always 0 (chain QUIRK).
 */
export function forecastingUtility(
  alpha: number,
  taskScore: number,
  infererScores: ArrayLike<number>,
  previousRatio: number,
): ForecastingUtility {
  let sMax = 0
  for (let i = 0; i < infererScores.length; i++) if (infererScores[i] > sMax) sMax = infererScores[i]
  let den: number
  if (sMax === 0) {
    if (taskScore === 0) return { chi: 0.5, ratio: 0 }
    den = Math.abs(taskScore)
  } else {
    den = Math.abs(sMax)
  }
  const ratio = ema(alpha, taskScore / den, previousRatio, false)
  const chi = ratio < 0 ? 0.1 : ratio >= 1 ? 0.5 : 0.1 + 0.4 * ratio
  return { chi, ratio }
}

/** γ = (F + G) / ((1 − χ)F + χG), so that U + V = (F + G)/(F + G + H)·E; 0 when undefined. */
export function normalizationFactor(F: number, G: number, chi: number): number {
  const den = (1 - chi) * F + chi * G
  return den === 0 ? 0 : (F + G) / den
}

/** §13: U/E, V/E, W/E from the task entropies F, G, H and χ. */
export function taskRewardFractions(F: number, G: number, H: number, chi: number): TaskMaps<number> {
  const total = F + G + H
  if (!(total > 0)) return { inferers: 0, forecasters: 0, reputers: 0 }
  const gamma = normalizationFactor(F, G, chi)
  return {
    inferers: ((1 - chi) * gamma * F) / total,
    forecasters: (chi * gamma * G) / total,
    reputers: H / total,
  }
}
