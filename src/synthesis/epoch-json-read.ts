/**
 * Reads the epoch JSON of `docs/spec/epoch-json.md` into the engine's camelCase types.
 * Pure: it takes an already-parsed JSON value and never touches the file system.
 *
 * Every rejection is an {@link EpochJsonError} whose message starts with the JSON path of the
 * offending value (`settle.reputers.r3.stake: must be > 0`), so a user can find it in a file
 * of thousands of numbers. Field names are translated through fixed tables, never by a
 * generic case conversion: ids are map keys and are copied byte for byte.
 *
 * Lenient where the spec leaves room (each documented below), strict everywhere else:
 * unknown keys are errors, so a typo cannot silently fall back to a default.
 */
import { SynthesisError } from './errors.js'
import { EMPTY_MATRIX, matrixOf } from './id-matrix.js'
import { familyOf } from './regret-family.js'
import { DEFAULT_PARAMS, resolveParams } from './params.js'
import type {
  IdMap,
  LossBundle,
  RegretFamily,
  RegretSet,
  Regrets,
  ReputerReport,
  SettleInput,
  SynthesisInput,
  SynthesisParams,
  TopicState,
} from './types.js'

/** A malformed epoch file (or engine output that cannot be written as one). */
export class EpochJsonError extends Error {
  override readonly name = 'EpochJsonError'
  constructor(
    /** JSON path of the offending value, dot-separated (ids never contain `.`). */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path === '' ? '(top level)' : path}: ${reason}`)
  }
}

export interface SynthesizeStep {
  readonly params: SynthesisParams
  readonly input: SynthesisInput
  readonly state: TopicState
}

export interface SettleStep {
  readonly params: SynthesisParams
  readonly input: SettleInput
  readonly state: TopicState
}

/** One epoch file (epoch-json §1); at least one step is present. */
export interface EpochFile {
  readonly synthesize?: SynthesizeStep
  readonly settle?: SettleStep
}

/** JSON name → engine name of every parameter (epoch-json §2.1). */
export const PARAM_JSON_NAMES: { readonly [json: string]: keyof SynthesisParams } = Object.freeze({
  p_norm: 'pNorm',
  c_norm: 'cNorm',
  epsilon: 'epsilon',
  alpha_regret: 'alphaRegret',
  epsilon_safe_div: 'epsilonSafeDiv',
  p_norm_safe_div: 'pNormSafeDiv',
  initial_regret_quantile: 'initialRegretQuantile',
  task_reward_alpha: 'taskRewardAlpha',
  beta_entropy: 'betaEntropy',
  p_reward_inference: 'pRewardInference',
  c_reward_inference: 'cRewardInference',
  p_reward_forecast: 'pRewardForecast',
  c_reward_forecast: 'cRewardForecast',
  p_reward_reputer: 'pRewardReputer',
  learning_rate: 'learningRate',
  gradient_descent_max_iters: 'gradientDescentMaxIters',
  max_gradient_threshold: 'maxGradientThreshold',
  min_stake_fraction: 'minStakeFraction',
  epsilon_reputer: 'epsilonReputer',
  max_samples_to_scale_scores: 'maxSamplesToScaleScores',
})

/** True for a valid participant id: non-empty ASCII without `.` (epoch-json §1). */
export function isValidId(id: string): boolean {
  // '.' is excluded because it separates the parts of an error path.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any ASCII character but '.' is a valid id
  return /^[\x00-\x2d\x2f-\x7f]+$/.test(id)
}

/** Parse a whole epoch file (the value of `JSON.parse`). */
export function parseEpochFile(value: unknown): EpochFile {
  const root = object(value, '')
  onlyKeys(root, '', ['synthesize', 'settle', 'description', 'expected'])
  if (root.synthesize === undefined && root.settle === undefined) {
    throw new EpochJsonError('', 'must have "synthesize", "settle" or both')
  }
  const file: { synthesize?: SynthesizeStep; settle?: SettleStep } = {}
  if (root.synthesize !== undefined) file.synthesize = parseSynthesizeStep(root.synthesize, 'synthesize')
  if (root.settle !== undefined) file.settle = parseSettleStep(root.settle, 'settle')
  return file
}

export function parseSynthesizeStep(value: unknown, path: string): SynthesizeStep {
  const step = object(value, path)
  onlyKeys(step, path, ['params', 'inferences', 'forecasts', 'state'])
  const params = parseParams(step.params, join(path, 'params'))
  const inferences = idMap(required(step, path, 'inferences'), join(path, 'inferences'), finite)
  // Lenient: a file without forecasters may leave `forecasts` out.
  const forecasts =
    step.forecasts === undefined ? record<IdMap>() : idMap(step.forecasts, join(path, 'forecasts'), numberMap)
  const state = parseState(required(step, path, 'state'), join(path, 'state'), params, 'synthesize')
  return { params, input: { inferences, forecasts }, state }
}

export function parseSettleStep(value: unknown, path: string): SettleStep {
  const step = object(value, path)
  onlyKeys(step, path, ['params', 'reputers', 'topic_reward', 'state'])
  const params = parseParams(step.params, join(path, 'params'))
  const reputers = idMap(required(step, path, 'reputers'), join(path, 'reputers'), parseReputer)
  const topicReward = finite(required(step, path, 'topic_reward'), join(path, 'topic_reward'))
  if (!(topicReward >= 0)) throw new EpochJsonError(join(path, 'topic_reward'), `must be >= 0, got ${topicReward}`)
  const state = parseState(required(step, path, 'state'), join(path, 'state'), params, 'settle')
  return { params, input: { reputers, topicReward }, state }
}

/**
 * Snake-case params onto `base`; a missing `params` object or field keeps the base value
 * (epoch-json §2.1 defaults when `base` is DEFAULT_PARAMS).
 */
export function parseParams(value: unknown, path: string, base: SynthesisParams = DEFAULT_PARAMS): SynthesisParams {
  if (value === undefined) return base
  const obj = object(value, path)
  onlyKeys(obj, path, Object.keys(PARAM_JSON_NAMES))
  const overrides: Record<string, number> = {}
  for (const [jsonName, engineName] of Object.entries(PARAM_JSON_NAMES)) {
    if (obj[jsonName] !== undefined) overrides[engineName] = finite(obj[jsonName], join(path, jsonName))
  }
  try {
    return resolveParams(overrides, base)
  } catch (err) {
    if (!(err instanceof SynthesisError)) throw err
    // resolveParams names the camelCase field; point at the JSON field instead.
    const m = /^parameter "(\w+)" (.*)$/.exec(err.message)
    const jsonName = m && Object.keys(PARAM_JSON_NAMES).find((k) => PARAM_JSON_NAMES[k] === m[1])
    if (m && jsonName) throw new EpochJsonError(join(path, jsonName), m[2])
    throw new EpochJsonError(path, err.message)
  }
}

const STATE_KEYS = [
  'initial_regret',
  'previous_network_loss',
  'regrets',
  'inferer_inclusion_counts',
  'forecaster_inclusion_counts',
  'listening_coefficients',
  'smoothed_reward_fractions',
  'score_history',
  'forecaster_score_ratio',
] as const

/**
 * A topic state (epoch-json §2.4). The synthesize step reads only the first three fields, so
 * for it the others may be left out (they default to empty); for settle every field is
 * required.
 */
export function parseState(
  value: unknown,
  path: string,
  params: SynthesisParams,
  step: 'synthesize' | 'settle',
): TopicState {
  const obj = object(value, path)
  onlyKeys(obj, path, STATE_KEYS)
  const get = (key: (typeof STATE_KEYS)[number]): unknown =>
    step === 'settle' || key === 'initial_regret' || key === 'previous_network_loss' || key === 'regrets'
      ? required(obj, path, key)
      : obj[key]
  const at = (key: string): string => join(path, key)

  const previous = get('previous_network_loss')
  const maxHistory = params.maxSamplesToScaleScores
  const counts = (key: 'inferer_inclusion_counts' | 'forecaster_inclusion_counts'): IdMap =>
    optional(get(key), () => idMap(get(key), at(key), count), record<number>)
  return {
    initialRegret: finite(get('initial_regret'), at('initial_regret')),
    previousNetworkLoss: previous === null ? null : finite(previous, at('previous_network_loss')),
    regrets: parseRegrets(get('regrets'), at('regrets')),
    infererInclusionCounts: counts('inferer_inclusion_counts'),
    forecasterInclusionCounts: counts('forecaster_inclusion_counts'),
    listeningCoefficients: optional(
      get('listening_coefficients'),
      () => idMap(get('listening_coefficients'), at('listening_coefficients'), unitInterval),
      record<number>,
    ),
    smoothedRewardFractions: optional(
      get('smoothed_reward_fractions'),
      () => taskMaps(get('smoothed_reward_fractions'), at('smoothed_reward_fractions'), nonNegative),
      () => ({ inferers: record<number>(), forecasters: record<number>(), reputers: record<number>() }),
    ),
    scoreHistory: optional(
      get('score_history'),
      () => parseScoreHistory(get('score_history'), at('score_history'), maxHistory),
      () => ({ inferers: [], forecasters: [] }),
    ),
    forecasterScoreRatio: optional(
      get('forecaster_score_ratio'),
      () => finite(get('forecaster_score_ratio'), at('forecaster_score_ratio')),
      () => 0,
    ),
  }
}

export function parseRegrets(value: unknown, path: string): Regrets {
  const obj = object(value, path)
  const keys = ['network', 'naive', 'one_out_inferer', 'one_out_forecaster', 'one_in_forecaster'] as const
  onlyKeys(obj, path, keys)
  const family = (key: (typeof keys)[number]): RegretFamily =>
    familyOf(idMap(required(obj, path, key), join(path, key), regretSet))
  const naive = regretSet(required(obj, path, 'naive'), join(path, 'naive'))
  if (Object.keys(naive.forecasters).length > 0) {
    throw new EpochJsonError(join(path, 'naive.forecasters'), 'must be {} (the naive network has no forecasters)')
  }
  return {
    network: regretSet(required(obj, path, 'network'), join(path, 'network')),
    naive,
    oneOutInferer: family('one_out_inferer'),
    oneOutForecaster: family('one_out_forecaster'),
    oneInForecaster: family('one_in_forecaster'),
  }
}

function regretSet(value: unknown, path: string): RegretSet {
  const obj = object(value, path)
  onlyKeys(obj, path, ['inferers', 'forecasters'])
  return {
    inferers: numberMap(required(obj, path, 'inferers'), join(path, 'inferers')),
    forecasters: numberMap(required(obj, path, 'forecasters'), join(path, 'forecasters')),
  }
}

function parseReputer(value: unknown, path: string): ReputerReport {
  const obj = object(value, path)
  onlyKeys(obj, path, ['stake', 'losses'])
  const stake = finite(required(obj, path, 'stake'), join(path, 'stake'))
  // Minimum-stake filtering is the caller's job (epoch-json §6.23), but a zero stake would
  // divide by zero in the consensus.
  if (!(stake > 0)) throw new EpochJsonError(join(path, 'stake'), `must be > 0, got ${stake}`)
  return { stake, losses: parseLossBundle(required(obj, path, 'losses'), join(path, 'losses')) }
}

/**
 * A loss bundle (epoch-json §4.1). `network` and `naive` are required: the engine's
 * LossBundle type has no way to say "not reported". A map field that is left out counts as
 * `{}` (a reputer may leave out whatever it did not evaluate).
 */
export function parseLossBundle(value: unknown, path: string): LossBundle {
  const obj = object(value, path)
  const maps = ['inferers', 'forecasters', 'one_out_inferers', 'one_out_forecasters', 'one_in_forecasters'] as const
  onlyKeys(obj, path, ['network', 'naive', ...maps, 'one_out_inferer_forecasters'])
  const map = (key: (typeof maps)[number]): IdMap =>
    obj[key] === undefined ? record<number>() : numberMap(obj[key], join(path, key))
  return {
    network: finite(required(obj, path, 'network'), join(path, 'network')),
    naive: finite(required(obj, path, 'naive'), join(path, 'naive')),
    inferers: map('inferers'),
    forecasters: map('forecasters'),
    oneOutInferers: map('one_out_inferers'),
    oneOutForecasters: map('one_out_forecasters'),
    oneInForecasters: map('one_in_forecasters'),
    oneOutInfererForecasters:
      obj.one_out_inferer_forecasters === undefined
        ? EMPTY_MATRIX
        : matrixOf(idMap(obj.one_out_inferer_forecasters, join(path, 'one_out_inferer_forecasters'), numberMap)),
  }
}

function parseScoreHistory(value: unknown, path: string, max: number): TopicState['scoreHistory'] {
  const obj = object(value, path)
  onlyKeys(obj, path, ['inferers', 'forecasters'])
  const list = (key: 'inferers' | 'forecasters'): number[] => {
    const at = join(path, key)
    const raw = required(obj, path, key)
    if (!Array.isArray(raw)) throw new EpochJsonError(at, `must be a list of numbers, got ${describe(raw)}`)
    if (raw.length > max) {
      throw new EpochJsonError(at, `must have at most max_samples_to_scale_scores = ${max} entries, got ${raw.length}`)
    }
    return raw.map((v, i) => finite(v, `${at}[${i}]`))
  }
  return { inferers: list('inferers'), forecasters: list('forecasters') }
}

function taskMaps(
  value: unknown,
  path: string,
  item: (v: unknown, p: string) => number,
): TopicState['smoothedRewardFractions'] {
  const obj = object(value, path)
  onlyKeys(obj, path, ['inferers', 'forecasters', 'reputers'])
  return {
    inferers: idMap(required(obj, path, 'inferers'), join(path, 'inferers'), item),
    forecasters: idMap(required(obj, path, 'forecasters'), join(path, 'forecasters'), item),
    reputers: idMap(required(obj, path, 'reputers'), join(path, 'reputers'), item),
  }
}

// ---- small readers; each throws an EpochJsonError naming `path` ----

type JsonObject = { readonly [key: string]: unknown }

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

/**
 * A record without a prototype, so an id such as `__proto__` or `constructor` is stored as
 * data and a missing id reads as undefined rather than as an Object.prototype member.
 */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  if (typeof value === 'object') return 'an object'
  return String(value)
}

function object(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EpochJsonError(path, `must be an object, got ${describe(value)}`)
  }
  return value as JsonObject
}

function onlyKeys(obj: JsonObject, path: string, allowed: readonly string[]): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k))
  if (unknown.length > 0) {
    const names = unknown.map((k) => JSON.stringify(k)).join(', ')
    throw new EpochJsonError(
      path,
      `unknown key${unknown.length > 1 ? 's' : ''} ${names} (allowed: ${allowed.join(', ')})`,
    )
  }
}

function required(obj: JsonObject, path: string, key: string): unknown {
  if (!Object.hasOwn(obj, key) || obj[key] === undefined) throw new EpochJsonError(join(path, key), 'is required')
  return obj[key]
}

function optional<T>(value: unknown, parse: () => T, fallback: () => T): T {
  return value === undefined ? fallback() : parse()
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EpochJsonError(path, `must be a finite number, got ${describe(value)}`)
  }
  return value
}

function count(value: unknown, path: string): number {
  const n = finite(value, path)
  if (!Number.isInteger(n) || n < 0) throw new EpochJsonError(path, `must be an integer >= 0, got ${n}`)
  return n
}

function nonNegative(value: unknown, path: string): number {
  const n = finite(value, path)
  if (n < 0) throw new EpochJsonError(path, `must be >= 0, got ${n}`)
  return n
}

/** Listening coefficients are clamped to [0, 1] by the descent (§11.3). */
function unitInterval(value: unknown, path: string): number {
  const n = finite(value, path)
  if (n < 0 || n > 1) throw new EpochJsonError(path, `must be in [0, 1], got ${n}`)
  return n
}

function numberMap(value: unknown, path: string): IdMap {
  return idMap(value, path, finite)
}

function idMap<T>(value: unknown, path: string, item: (v: unknown, p: string) => T): IdMap<T> {
  const obj = object(value, path)
  const out = record<T>()
  for (const id of Object.keys(obj)) {
    if (!isValidId(id)) {
      throw new EpochJsonError(path, `invalid id ${JSON.stringify(id)}: ids are non-empty ASCII strings without "."`)
    }
    out[id] = item(obj[id], join(path, id))
  }
  return out
}
