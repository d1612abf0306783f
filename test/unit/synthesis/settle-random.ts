import { emptyTopicState } from '../../../src/synthesis/state.js'
/**
 * Seeded random settle inputs for property tests and timing (the shared
 * test/utils/random-epoch.ts covers whole epochs; this one adds the knobs settle tests need:
 * missing reports, full loss bundles, prior state).
 */
import type {
  IdMap,
  LossBundle,
  RegretSet,
  ReputerReport,
  SettleInput,
  SynthesisParams,
  TopicState,
} from '../../../src/synthesis/types.js'
import { SIMULATOR_PARAMS } from '../../../src/synthesis/params.js'
import { mulberry32 } from '../../utils/prng.js'
import { matrixOf } from '../../../src/synthesis/id-matrix.js'
import { familyOf } from '../../../src/synthesis/regret-family.js'

export const rng = mulberry32

export interface RandomSettleOptions {
  readonly inferers: number
  readonly forecasters: number
  readonly reputers: number
  /** Probability that a reputer leaves out one value (never network/naive). */
  readonly missing?: number
  /** Spread of reputer reports around the common truth (log10 units). */
  readonly noise?: number
  /** Build a non-trivial prior state (stored regrets, coefficients, history, counts). */
  readonly withState?: boolean
  readonly topicReward?: number
}

export interface RandomSettle {
  readonly params: SynthesisParams
  readonly input: SettleInput
  readonly state: TopicState
}

const pad = (prefix: string, i: number, n: number): string => `${prefix}${String(i).padStart(String(n).length, '0')}`

/** A topic's state before its first epoch. */
export const emptyState = emptyTopicState

export function randomSettle(seed: number, o: RandomSettleOptions): RandomSettle {
  const u = rng(seed)
  const gauss = (): number => {
    const a = u() || 1e-12
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u())
  }
  const noise = o.noise ?? 0.15
  const missing = o.missing ?? 0
  const I = Array.from({ length: o.inferers }, (_, i) => pad('w', i, o.inferers))
  const F = Array.from({ length: o.forecasters }, (_, i) => pad('f', i, o.forecasters))
  const R = Array.from({ length: o.reputers }, (_, i) => pad('r', i, o.reputers))
  const truth = (): number => -3 + 0.8 * gauss()
  const net = truth()
  const naive = net + 0.5 * Math.abs(gauss())
  const tInf = I.map(truth)
  const tFc = F.map(truth)
  const tOoi = I.map(() => net + 0.1 * gauss())
  const tOof = F.map(() => net + 0.1 * gauss())
  const tOif = F.map(() => naive - 0.2 * Math.abs(gauss()))
  const tOoif = F.map(() => I.map(truth))
  const reputers: Record<string, ReputerReport> = {}
  for (const r of R) {
    const bias = noise * gauss()
    const v = (t: number): number => t + bias + noise * gauss()
    const map = (ids: string[], t: number[]): IdMap => {
      const out: Record<string, number> = {}
      ids.forEach((id, i) => {
        if (missing > 0 && u() < missing) return
        out[id] = v(t[i])
      })
      return out
    }
    const ooif: Record<string, IdMap> = {}
    F.forEach((k, i) => {
      ooif[k] = map(I, tOoif[i])
    })
    const losses: LossBundle = {
      network: v(net),
      naive: v(naive),
      inferers: map(I, tInf),
      forecasters: map(F, tFc),
      oneOutInferers: o.inferers > 1 ? map(I, tOoi) : {},
      oneOutForecasters: o.forecasters > 1 ? map(F, tOof) : {},
      oneInForecasters: o.forecasters > 1 ? map(F, tOif) : {},
      oneOutInfererForecasters: matrixOf(o.forecasters > 0 && o.inferers > 1 ? ooif : {}),
    }
    reputers[r] = { stake: Math.floor(1e4 + u() * 1e6), losses }
  }
  const state = o.withState ? randomState(u, gauss, I, F, R) : emptyState()
  return { params: SIMULATOR_PARAMS, input: { reputers, topicReward: o.topicReward ?? 1e4 * (1 + u()) }, state }
}

function randomState(u: () => number, gauss: () => number, I: string[], F: string[], R: string[]): TopicState {
  const some = (ids: string[], f: () => number): IdMap =>
    Object.fromEntries(ids.filter(() => u() < 0.8).map((id) => [id, f()]))
  const reg = (): number => -1.5 + 0.5 * gauss()
  const set = (): RegretSet => ({ inferers: some(I, reg), forecasters: some(F, reg) })
  const fractions = (ids: string[]): IdMap => {
    const chosen = ids.filter(() => u() < 0.8)
    const w = chosen.map(() => u() + 0.01)
    const s = w.reduce((a, b) => a + b, 0)
    return Object.fromEntries(chosen.map((id, i) => [id, w[i] / s]))
  }
  return {
    initialRegret: -2 + gauss() * 0.3,
    previousNetworkLoss: -3,
    regrets: {
      network: set(),
      naive: { inferers: some(I, reg), forecasters: {} },
      oneOutInferer: familyOf(Object.fromEntries(I.filter(() => u() < 0.8).map((l) => [l, set()]))),
      oneOutForecaster: familyOf(Object.fromEntries(F.filter(() => u() < 0.8).map((k) => [k, set()]))),
      oneInForecaster: familyOf(
        Object.fromEntries(
          F.filter(() => u() < 0.8).map((k) => [k, { inferers: some(I, reg), forecasters: some([k], reg) }]),
        ),
      ),
    },
    infererInclusionCounts: some(I, () => Math.floor(u() * 20)),
    forecasterInclusionCounts: some(F, () => Math.floor(u() * 20)),
    listeningCoefficients: some(R, () => (u() < 0.3 ? 1 : 0.3 + 0.7 * u())),
    smoothedRewardFractions: { inferers: fractions(I), forecasters: fractions(F), reputers: fractions(R) },
    scoreHistory: {
      inferers: Array.from({ length: 10 }, () => 0.3 * gauss()),
      forecasters: Array.from({ length: 10 }, () => 0.3 * gauss()),
    },
    forecasterScoreRatio: u() * 2 - 0.5,
  }
}
