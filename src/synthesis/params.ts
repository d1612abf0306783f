import { SynthesisError } from './errors.js'
import type { SynthesisParams } from './types.js'

/** The chain's defaults (docs/spec/math.md §15; epoch-json §2.1). */
export const DEFAULT_PARAMS: SynthesisParams = Object.freeze({
  pNorm: 3,
  cNorm: 0.75,
  epsilon: 0.01,
  alphaRegret: 0.1,
  epsilonSafeDiv: 1e-7,
  pNormSafeDiv: 8.25,
  initialRegretQuantile: 0.25,
  taskRewardAlpha: 0.1,
  betaEntropy: 0.25,
  pRewardInference: 1,
  cRewardInference: 0.75,
  pRewardForecast: 3,
  cRewardForecast: 0.75,
  pRewardReputer: 3,
  learningRate: 0.05,
  gradientDescentMaxIters: 10,
  maxGradientThreshold: 0.001,
  minStakeFraction: 0.5,
  epsilonReputer: 0.01,
  maxSamplesToScaleScores: 10,
})

/** The parameters the reference simulator vectors were made with (vectors/README.md). */
export const SIMULATOR_PARAMS: SynthesisParams = Object.freeze({
  ...DEFAULT_PARAMS,
  pRewardInference: 3,
  pRewardForecast: 3,
  pRewardReputer: 1,
})

type Rule = (value: number) => string | undefined

const positive: Rule = (v) => (v > 0 ? undefined : 'must be > 0')
const nonNegative: Rule = (v) => (v >= 0 ? undefined : 'must be >= 0')
const unitOpen: Rule = (v) => (v > 0 && v <= 1 ? undefined : 'must be in (0, 1]')
const unitClosed: Rule = (v) => (v >= 0 && v <= 1 ? undefined : 'must be in [0, 1]')
const positiveInteger: Rule = (v) => (Number.isInteger(v) && v > 0 ? undefined : 'must be a positive integer')

const RULES: { readonly [K in keyof SynthesisParams]: Rule } = {
  pNorm: positive,
  cNorm: () => undefined,
  epsilon: positive,
  alphaRegret: unitOpen,
  epsilonSafeDiv: positive,
  pNormSafeDiv: () => undefined,
  initialRegretQuantile: unitClosed,
  taskRewardAlpha: unitClosed,
  betaEntropy: nonNegative,
  pRewardInference: positive,
  cRewardInference: () => undefined,
  pRewardForecast: positive,
  cRewardForecast: () => undefined,
  pRewardReputer: positive,
  learningRate: positive,
  gradientDescentMaxIters: positiveInteger,
  maxGradientThreshold: nonNegative,
  minStakeFraction: unitClosed,
  epsilonReputer: positive,
  maxSamplesToScaleScores: positiveInteger,
}

/**
 * Merge overrides onto the defaults and check every field; the error names the field and
 * the reason. Unknown fields are rejected so a typo cannot silently fall back to a default.
 */
export function resolveParams(
  overrides: Readonly<Record<string, unknown>> = {},
  base: SynthesisParams = DEFAULT_PARAMS,
): SynthesisParams {
  const merged: Record<string, number> = { ...base }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in RULES)) throw new SynthesisError('INVALID_PARAMS', `unknown parameter "${key}"`)
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SynthesisError('INVALID_PARAMS', `parameter "${key}" must be a finite number`)
    }
    merged[key] = value
  }
  for (const key of Object.keys(RULES) as (keyof SynthesisParams)[]) {
    const reason = RULES[key](merged[key])
    if (reason !== undefined)
      throw new SynthesisError('INVALID_PARAMS', `parameter "${key}" ${reason} (got ${merged[key]})`)
  }
  return merged as unknown as SynthesisParams
}
