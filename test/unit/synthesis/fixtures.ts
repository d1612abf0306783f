/**
 * Reading the epoch JSON (docs/spec/epoch-json.md) into the engine's types, and
 * comparing a synthesize output with an `expected` block by the rules of epoch-json §7.
 * Kept local to the synthesis tests so they do not depend on the CLI's parser.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { DEFAULT_PARAMS } from '../../../src/synthesis/params.js'
import type {
  IdMap,
  RegretSet,
  SynthesisInput,
  SynthesisOutput,
  SynthesisParams,
  TopicState,
} from '../../../src/synthesis/types.js'
import { nestedOf } from '../../../src/synthesis/id-matrix.js'
import { familyOf } from '../../../src/synthesis/regret-family.js'

/** The reference vectors the tests run (test/spec/vectors). */
export const VECTORS_DIR = fileURLToPath(new URL('../../spec/vectors', import.meta.url))

/** JSON as read from disk; the spec files are trusted test data. */
// biome-ignore lint/suspicious/noExplicitAny: the spec files are untyped JSON, read field by field as the spec describes them
type Json = Record<string, any>

export function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

export function paramsFromJson(json: Json): SynthesisParams {
  const out: Record<string, number> = { ...DEFAULT_PARAMS }
  for (const [k, v] of Object.entries(json)) out[camel(k)] = v as number
  return out as unknown as SynthesisParams
}

const regretSet = (json: Json | undefined): RegretSet => ({
  inferers: json?.inferers ?? {},
  forecasters: json?.forecasters ?? {},
})

const setsOf = (json: Json | undefined): IdMap<RegretSet> => {
  const out: Record<string, RegretSet> = {}
  for (const [k, v] of Object.entries(json ?? {})) out[k] = regretSet(v as Json)
  return out
}

export function stateFromJson(json: Json): TopicState {
  const r = json.regrets ?? {}
  return {
    initialRegret: json.initial_regret,
    previousNetworkLoss: json.previous_network_loss,
    regrets: {
      network: regretSet(r.network),
      naive: regretSet(r.naive),
      oneOutInferer: familyOf(setsOf(r.one_out_inferer)),
      oneOutForecaster: familyOf(setsOf(r.one_out_forecaster)),
      oneInForecaster: familyOf(setsOf(r.one_in_forecaster)),
    },
    infererInclusionCounts: json.inferer_inclusion_counts ?? {},
    forecasterInclusionCounts: json.forecaster_inclusion_counts ?? {},
    listeningCoefficients: json.listening_coefficients ?? {},
    smoothedRewardFractions: json.smoothed_reward_fractions ?? { inferers: {}, forecasters: {}, reputers: {} },
    scoreHistory: json.score_history ?? { inferers: [], forecasters: [] },
    forecasterScoreRatio: json.forecaster_score_ratio ?? 0,
  }
}

export interface SynthesizeCase {
  readonly params: SynthesisParams
  readonly input: SynthesisInput
  readonly state: TopicState
}

export function synthesizeCaseFromJson(json: Json): SynthesizeCase {
  return {
    params: paramsFromJson(json.params),
    input: { inferences: json.inferences, forecasts: json.forecasts },
    state: stateFromJson(json.state),
  }
}

/** The output in the JSON shape of epoch-json §3.2. */
export function outputToJson(out: SynthesisOutput): Json {
  return {
    network_inference: out.networkInference,
    naive_inference: out.naiveInference,
    forecasted_regrets: out.forecastedRegrets,
    forecast_implied_inferences: out.forecastImpliedInferences,
    one_out_inferer_inferences: out.oneOutInfererInferences,
    one_out_forecaster_inferences: out.oneOutForecasterInferences,
    one_in_forecaster_inferences: out.oneInForecasterInferences,
    one_out_inferer_forecast_implied_inferences: nestedOf(out.oneOutInfererForecastImpliedInferences),
    weights: out.weights,
    confidence_interval: out.confidenceInterval,
  }
}

/** Objects of the output that are records of named fields, not maps keyed by ids. */
const STRUCTS = new Set(['$', '$.weights', '$.confidence_interval'])

/**
 * epoch-json §7: only fields present in `expected` are compared; numbers within
 * max(rel·|expected|, 1e-9); maps must hold exactly the expected ids; lists the expected
 * length. `path` names the field in a failure.
 */
export function expectMatches(got: unknown, expected: unknown, path = '$', rel = 1e-6): void {
  if (typeof expected === 'number') {
    expect(typeof got, path).toBe('number')
    const tol = Math.max(rel * Math.abs(expected), 1e-9)
    expect(
      Math.abs((got as number) - expected),
      `${path}: got ${String(got)}, expected ${expected}`,
    ).toBeLessThanOrEqual(tol)
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(got), path).toBe(true)
    expect((got as unknown[]).length, `${path}.length`).toBe(expected.length)
    expected.forEach((e, i) => expectMatches((got as unknown[])[i], e, `${path}[${i}]`, rel))
  } else if (typeof expected === 'object' && expected !== null) {
    expect(typeof got === 'object' && got !== null, path).toBe(true)
    const g = got as Json
    if (!STRUCTS.has(path)) expect(Object.keys(g).sort(), `${path} keys`).toEqual(Object.keys(expected).sort())
    for (const [k, e] of Object.entries(expected)) expectMatches(g[k], e, `${path}.${k}`, rel)
  } else {
    expect(got, path).toEqual(expected)
  }
}
