/**
 * Seeded random epochs for tests and benchmarks: a full synthesize input, a full settle
 * input (loss bundles of every field, including one-out-inferer-forecaster pairs) and a
 * full topic state, with realistic magnitudes.
 *
 * The generator uses only +, −, ×, ÷ and floor on a 32-bit PRNG (no Math.random, no
 * transcendental functions), so a seed gives the same epoch on every machine.
 */
import { DEFAULT_PARAMS } from '../../src/synthesis/params.js'
import type {
  IdMap,
  LossBundle,
  RegretSet,
  ReputerReport,
  SettleInput,
  SynthesisInput,
  SynthesisParams,
  TopicState,
} from '../../src/synthesis/types.js'
import { mulberry32 } from './prng.js'
import { matrixOf } from '../../src/synthesis/id-matrix.js'
import { familyOf } from '../../src/synthesis/regret-family.js'

export interface RandomEpochOptions {
  readonly inferers: number
  readonly forecasters: number
  readonly reputers: number
  /** Inferers each forecast covers; default min(inferers, 12) (MaxElementsPerForecast). */
  readonly elementsPerForecast?: number
  /** Probability that a worker is new: no stored regret, count or fraction; default 1/16. */
  readonly newWorkerFraction?: number
  /** Probability that a reputer leaves out a map entry of its bundle; default 0. */
  readonly missingRate?: number
  /** Parameters to return; default DEFAULT_PARAMS. */
  readonly params?: SynthesisParams
}

export interface RandomEpoch {
  readonly params: SynthesisParams
  readonly synthesis: SynthesisInput
  readonly settle: SettleInput
  readonly state: TopicState
  /** Ids in ascending order, for callers that want to index into the epoch. */
  readonly ids: {
    readonly inferers: readonly string[]
    readonly forecasters: readonly string[]
    readonly reputers: readonly string[]
  }
}

/** The seeded generator of test data. */
export const prng = mulberry32

/** Zero-mean, unit-variance noise as a sum of four uniforms (Irwin–Hall), bounded by ±√12. */
function noise(u: () => number): number {
  return (u() + u() + u() + u() - 2) * Math.sqrt(3)
}

const pad = (i: number, width: number): string => String(i).padStart(width, '0')

/**
 * A record built the way JSON.parse builds one (V8 dictionary mode), as a node decoding
 * its stored state or the wire gets it. Filling `{}` key by key instead gives objects
 * whose lookups are about 3× slower at 1000 keys, which would skew the benchmark.
 */
function record<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>
  for (const [id, value] of entries) out[id] = value
  return Object.setPrototypeOf(out, Object.prototype) as Record<string, T>
}

function idList(prefix: string, count: number): string[] {
  const width = Math.max(2, String(Math.max(0, count - 1)).length)
  return Array.from({ length: count }, (_, i) => `${prefix}${pad(i, width)}`)
}

export function randomEpoch(seed: number, options: RandomEpochOptions): RandomEpoch {
  const u = prng(seed)
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * u()
  const params = options.params ?? DEFAULT_PARAMS
  const inferers = idList('inf', options.inferers)
  const forecasters = idList('fc', options.forecasters)
  const reputers = idList('rep', options.reputers)
  const elements = Math.min(options.elementsPerForecast ?? 12, inferers.length)
  const newShare = options.newWorkerFraction ?? 1 / 16
  const missingRate = options.missingRate ?? 0

  // Synthesize input: inferences scattered around a target; each forecast covers
  // `elements` distinct inferers (a partial Fisher–Yates shuffle) with log10 losses.
  const target = uniform(50, 150)
  const inferences = record(inferers.map((id) => [id, target + 2 * noise(u)] as const))
  const pool = inferers.slice()
  const forecasts = record(
    forecasters.map((k) => {
      const elementsOfK: [string, number][] = []
      for (let e = 0; e < elements; e++) {
        const pick = e + Math.floor(u() * (pool.length - e))
        ;[pool[e], pool[pick]] = [pool[pick], pool[e]]
        elementsOfK.push([pool[e], uniform(-2, 0)])
      }
      return [k, record(elementsOfK)] as const
    }),
  )

  // State: stored regrets in [−1, 1] for every family, except for new workers.
  const isNew = new Set<string>()
  for (const id of [...inferers, ...forecasters]) if (u() < newShare) isNew.add(id)
  const old = (ids: readonly string[]): string[] => ids.filter((id) => !isNew.has(id))
  const regretMap = (ids: readonly string[]): IdMap => record(old(ids).map((id) => [id, uniform(-1, 1)]))
  const regretSet = (infererIds: readonly string[], forecasterIds: readonly string[]): RegretSet => ({
    inferers: regretMap(infererIds),
    forecasters: regretMap(forecasterIds),
  })
  const setsFor = (keys: readonly string[], make: (key: string) => RegretSet): IdMap<RegretSet> =>
    record(old(keys).map((key) => [key, make(key)]))
  const counts = (ids: readonly string[]): IdMap => record(old(ids).map((id) => [id, Math.floor(uniform(0, 30))]))
  const fractions = (ids: readonly string[]): IdMap => {
    const raw = old(ids).map((id) => [id, uniform(0.1, 1)] as const)
    const total = raw.reduce((s, [, v]) => s + v, 0)
    return record(raw.map(([id, v]) => [id, v / total]))
  }
  const history = (n: number): number[] =>
    Array.from({ length: Math.min(n, params.maxSamplesToScaleScores) }, () => uniform(-0.5, 0.5))
  const state: TopicState = {
    initialRegret: uniform(-1, -0.1),
    previousNetworkLoss: uniform(-2, -1),
    regrets: {
      network: regretSet(inferers, forecasters),
      naive: regretSet(inferers, []),
      oneOutInferer: familyOf(setsFor(inferers, () => regretSet(inferers, forecasters))),
      oneOutForecaster: familyOf(setsFor(forecasters, () => regretSet(inferers, forecasters))),
      oneInForecaster: familyOf(setsFor(forecasters, (k) => regretSet(inferers, [k]))),
    },
    infererInclusionCounts: counts(inferers),
    forecasterInclusionCounts: counts(forecasters),
    listeningCoefficients: record(reputers.map((id) => [id, uniform(0.3, 1)])),
    smoothedRewardFractions: {
      inferers: fractions(inferers),
      forecasters: fractions(forecasters),
      reputers: fractions(reputers),
    },
    scoreHistory: { inferers: history(inferers.length * 2), forecasters: history(forecasters.length * 2) },
    forecasterScoreRatio: uniform(0, 2),
  }

  // Settle input: every reputer reports around a common "true" loss per value. A forecast
  // that does not cover l is unchanged without l, so its one-out loss is its own loss;
  // a forecast covering only l has no value without l and no loss.
  const truth = {
    network: uniform(-2, -1),
    naive: uniform(-1.8, -0.8),
    inferers: lossesFor(inferers, uniform),
    forecasters: lossesFor(forecasters, uniform),
    oneOutInferers: inferers.length >= 2 ? lossesFor(inferers, uniform) : {},
    oneOutForecasters: forecasters.length >= 2 ? lossesFor(forecasters, uniform) : {},
    oneInForecasters: forecasters.length >= 2 ? lossesFor(forecasters, uniform) : {},
  }
  const covered = new Map(forecasters.map((k) => [k, new Set(Object.keys(forecasts[k]))]))
  const pairTruth: Record<string, IdMap> = {}
  if (inferers.length >= 2) {
    for (const k of forecasters) {
      const cover = covered.get(k)!
      const row: [string, number][] = []
      for (const l of inferers) {
        if (!cover.has(l)) row.push([l, truth.forecasters[k]])
        else if (cover.size > 1) row.push([l, truth.forecasters[k] + 0.1 * noise(u)])
      }
      pairTruth[k] = record(row)
    }
  }
  const reported = (map: IdMap, spread: number): IdMap => {
    const out: [string, number][] = []
    for (const id of Object.keys(map))
      if (!(missingRate > 0 && u() < missingRate)) out.push([id, map[id] + spread * noise(u)])
    return record(out)
  }
  const reports: [string, ReputerReport][] = []
  for (const m of reputers) {
    const spread = uniform(0.01, 0.1)
    const losses: LossBundle = {
      network: truth.network + spread * noise(u),
      naive: truth.naive + spread * noise(u),
      inferers: reported(truth.inferers, spread),
      forecasters: reported(truth.forecasters, spread),
      oneOutInferers: reported(truth.oneOutInferers, spread),
      oneOutForecasters: reported(truth.oneOutForecasters, spread),
      oneInForecasters: reported(truth.oneInForecasters, spread),
      oneOutInfererForecasters: matrixOf(
        record(Object.keys(pairTruth).map((k) => [k, reported(pairTruth[k], spread)])),
      ),
    }
    reports.push([m, { stake: Math.floor(uniform(1e4, 1e6)), losses }])
  }

  return {
    params,
    synthesis: { inferences, forecasts },
    settle: { reputers: record(reports), topicReward: Math.floor(uniform(1e6, 1e9)) },
    state,
    ids: { inferers, forecasters, reputers },
  }
}

function lossesFor(ids: readonly string[], uniform: (lo: number, hi: number) => number): IdMap {
  return record(ids.map((id) => [id, uniform(-2, 0)]))
}
