/**
 * Worker models from small specs, as strings (command line, topic files) or objects:
 *
 * | string | object | model |
 * |---|---|---|
 * | `last` | `{kind: 'last'}` | last value |
 * | `ma:10` | `{kind: 'ma', window: 10}` | moving average of the last `window` values |
 * | `ema:0.3` | `{kind: 'ema', alpha: 0.3}` | exponential moving average |
 * | `trend:10` | `{kind: 'trend', window: 10}` | linear trend fitted on `window` values |
 * | `drift:20` | `{kind: 'drift', window: 20}` | last value plus the mean change of the last `window` changes |
 * | `ar:3` or `ar:order=3,window=60` | `{kind: 'ar', order: 3, window: 60}` | autoregression |
 * | `ar:3,halflife=12,diff` | `{kind: 'ar', order: 3, halflife: 12, diff: true}` | discounted fit; fit on changes |
 * | `zk-linear:WEIGHTS.json,scale=1` | `{kind: 'zk-linear', path, scale}` | a verified linear model (zk-linear.ts, docs/zk.md) |
 * | `oracle:noise=1,bias=0,seed=7` | `{kind: 'oracle', noise, bias, seed}` | TEST DEVICE: truth + bias + noise (needs `groundTruth`) |
 * | `http:URL` | `{kind: 'http', url, timeoutMs}` | external model over HTTP (http.ts) |
 * | `cmd:COMMAND ARGS…` | `{kind: 'cmd', command, args, timeoutMs}` | external model in a subprocess (subprocess.ts) |
 *
 * Parameters are `kind:VALUE` (the kind's main parameter, listed first above) or
 * `kind:name=value,name=value`; a bare name is a switch (`diff` = `diff=true`). Built-in
 * inferers forecast with a built-in forecaster, chosen with `@`: `ema:0.3@loss-ema:0.2`, `ar:3@regime:window=24`; the default is
 * `adaptive`. Forecasters:
 * - `adaptive[:meta=0.05,cover=1,window=16]` (adaptive-forecaster.ts): picks among fast,
 *   slow and regime-aware loss estimators by their track record;
 * - `learn[:target=zscore,scope=inferer,halflife=100,ridge=10,cover=1]`
 *   (learning-forecaster.ts): per-inferer ridge regressions fitted online on features of
 *   the recent losses and the series; `target` is `zscore`, `regret`, `share` or `loss`,
 *   `scope` is `inferer` or `global`;
 * - `http:URL` or `cmd:COMMAND ARGS…`: an external model used for its forecasts only
 *   (`last@http://127.0.0.1:8900/`); it is asked with `"role": "forecaster"` (external.ts);
 * - `ensemble[:halflives=2/4/8/16/64,meta=0.05,maxInferers=7,statistic=mean]`
 *   (ensemble-forecaster.ts): the equal-weight average of the group of inferers that has
 *   lately lost least, forecast as one log10 loss for every member;
 * - `regime[:window=16,alpha=0.1,prior=3,recent=0,fastAlpha=0.3,statistic=mean,cover=…]`
 *   (regime-forecaster.ts): per-regime loss estimates;
 * - `loss-ema[:alpha=0.2,statistic=mean,cover=…]` (loss-ema-forecaster.ts): recent losses.
 * `statistic` is `mean`, `share` or `log` (loss-history.ts); `cover` limits a forecast to
 * the inferers within that factor of the lowest expected loss (default: all, 1 for
 * adaptive). External models forecast themselves.
 * An invalid spec throws a ModelSpecError naming the spec and the field.
 */
import type { GroundTruthSource, WorkerModel } from '../plugins.js'
import { withForecaster, type Forecaster, type Inferer } from './compose.js'
import { AdaptiveForecaster } from './adaptive-forecaster.js'
import { DEFAULT_HALFLIVES, ENSEMBLE_STATISTICS, EnsembleForecaster } from './ensemble-forecaster.js'
import { Ema } from './ema.js'
import { ModelSpecError } from './errors.js'
import type { ExternalRole } from './external.js'
import { HttpModel } from './http.js'
import { LastValue } from './last-value.js'
import { AutoRegression, Drift, LinearTrend } from './linear-regression.js'
import { LEARNING_SCOPES, LEARNING_TARGETS, LearningForecaster } from './learning-forecaster.js'
import { LossEmaForecaster } from './loss-ema-forecaster.js'
import { MovingAverage } from './moving-average.js'
import { NoisyOracle } from './noisy-oracle.js'
import { RegimeForecaster } from './regime-forecaster.js'
import { STATISTICS } from './loss-history.js'
import { SubprocessModel } from './subprocess.js'
import { ZkLinearModel } from './zk-linear.js'

export interface ModelSpecObject {
  readonly kind: string
  readonly forecaster?: string | ModelSpecObject
  readonly [param: string]: unknown
}

export type ModelSpec = string | ModelSpecObject

export interface ModelOptions {
  /** The topic's ground truth: only the `oracle` test device reads it. */
  readonly groundTruth?: GroundTruthSource
}

export const DEFAULT_FORECASTER = 'adaptive'

/** The main parameter of each kind, for the `kind:VALUE` shorthand. */
const MAIN: Readonly<Record<string, string>> = {
  ma: 'window',
  ema: 'alpha',
  trend: 'window',
  drift: 'window',
  ar: 'order',
  oracle: 'noise',
  regime: 'window',
  'loss-ema': 'alpha',
  adaptive: 'meta',
  ensemble: 'halflives',
  learn: 'target',
  'zk-linear': 'path',
}

const ALIASES: Readonly<Record<string, string>> = { 'last-value': 'last', 'moving-average': 'ma', subprocess: 'cmd' }

/** Parse the string form into the object form (no validation of values yet). */
export function parseModelSpec(text: string): ModelSpecObject {
  const colon = text.indexOf(':')
  const head = colon < 0 ? text : text.slice(0, colon)
  const kind = ALIASES[head] ?? head
  if (kind === 'http' || kind === 'https') {
    const rest = text.slice(colon + 1)
    return { kind: 'http', url: rest.startsWith('//') ? text : rest }
  }
  if (kind === 'cmd') {
    const words = splitWords(text.slice(colon + 1))
    if (words.length === 0) throw new ModelSpecError(`model "${text}": cmd needs a command (cmd:COMMAND ARGS...)`)
    return { kind, command: words[0], args: words.slice(1) }
  }
  const at = text.indexOf('@')
  const main = at < 0 ? text : text.slice(0, at)
  const spec = paramsOf(main, text)
  if (at < 0) return spec
  const forecaster = text.slice(at + 1)
  // An external forecaster keeps its own syntax (a URL or a command line may hold ':' and ',').
  return { ...spec, forecaster: isExternal(forecaster) ? parseModelSpec(forecaster) : paramsOf(forecaster, text) }
}

function isExternal(text: string): boolean {
  const head = text.slice(0, Math.max(0, text.indexOf(':')))
  return EXTERNAL_KINDS.has(ALIASES[head] ?? head)
}

const EXTERNAL_KINDS = new Set(['http', 'https', 'cmd'])

function paramsOf(part: string, whole: string): ModelSpecObject {
  const colon = part.indexOf(':')
  const head = colon < 0 ? part : part.slice(0, colon)
  const kind = ALIASES[head] ?? head
  const spec: Record<string, unknown> = { kind }
  if (colon < 0) return spec as ModelSpecObject
  part
    .slice(colon + 1)
    .split(',')
    .forEach((item, i) => {
      const eq = item.indexOf('=')
      if (eq < 0 && i === 0 && MAIN[kind] !== undefined) spec[MAIN[kind]] = item
      else if (eq > 0) spec[item.slice(0, eq).trim()] = item.slice(eq + 1).trim()
      else if (/^[A-Za-z][A-Za-z0-9]*$/.test(item.trim()))
        spec[item.trim()] = true // a switch: `ar:3,diff`
      else throw new ModelSpecError(`model "${whole}": cannot read parameter "${item}" (use name=value)`)
    })
  return spec as ModelSpecObject
}

/** Split a command line on blanks; "double" or 'single' quotes keep blanks in a word. */
function splitWords(text: string): string[] {
  const words: string[] = []
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) words.push(m[1] ?? m[2] ?? m[3])
  return words
}

/** Reads and checks one spec's parameters; every error names the spec and the field. */
class Params {
  private readonly used = new Set<string>(['kind', 'forecaster'])

  constructor(
    private readonly spec: ModelSpecObject,
    private readonly label: string,
  ) {}

  number(field: string, fallback: number, check: (v: number) => boolean, rule: string): number {
    this.used.add(field)
    const raw = this.spec[field]
    if (raw === undefined) return fallback
    const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v))
      throw this.error(field, `must be ${rule} (got ${JSON.stringify(raw)})`)
    return v
  }

  int(field: string, fallback: number, min: number): number {
    return this.number(field, fallback, (v) => Number.isInteger(v) && v >= min, `an integer >= ${min}`)
  }

  unit(field: string, fallback: number): number {
    return this.number(field, fallback, (v) => v > 0 && v <= 1, 'in (0, 1]')
  }

  /** A list of numbers: `a/b/c` in a string spec, or an array. */
  numbers(field: string, fallback: readonly number[], check: (v: number) => boolean, rule: string): number[] {
    this.used.add(field)
    const raw = this.spec[field]
    if (raw === undefined) return [...fallback]
    const items = typeof raw === 'string' ? raw.split('/').map((t) => (t.trim() === '' ? Number.NaN : Number(t))) : raw
    if (
      !Array.isArray(items) ||
      items.length === 0 ||
      !items.every((v) => typeof v === 'number' && Number.isFinite(v) && check(v))
    ) {
      throw this.error(field, `must be a list of numbers ${rule}, as a/b/c (got ${JSON.stringify(raw)})`)
    }
    return items as number[]
  }

  /** A switch: `name` alone in a string spec, or `name=true|false`; absent is false. */
  flag(field: string): boolean {
    this.used.add(field)
    const v = this.spec[field]
    if (v === undefined || v === false || v === 'false') return false
    if (v === true || v === 'true' || v === '') return true
    throw this.error(field, `must be true or false (got ${JSON.stringify(v)})`)
  }

  string(field: string): string {
    this.used.add(field)
    const v = this.spec[field]
    if (typeof v !== 'string' || v === '')
      throw this.error(field, `must be a non-empty string (got ${JSON.stringify(v)})`)
    return v
  }

  choice<T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    this.used.add(field)
    const v = this.spec[field]
    if (v === undefined) return fallback
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      throw this.error(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`)
    return v as T
  }

  strings(field: string): string[] {
    this.used.add(field)
    const v = this.spec[field]
    if (v === undefined) return []
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw this.error(field, 'must be a list of strings')
    return v as string[]
  }

  /** Call after reading: an unknown field is a typo, not something to ignore. */
  done(): void {
    for (const key of Object.keys(this.spec))
      if (!this.used.has(key)) throw this.error(key, 'is not a parameter of this kind')
  }

  error(field: string, message: string): ModelSpecError {
    return new ModelSpecError(`model "${this.label}": ${field} ${message}`)
  }
}

function labelOf(spec: ModelSpec): string {
  return typeof spec === 'string' ? spec : JSON.stringify(spec)
}

export function createModel(spec: ModelSpec, options: ModelOptions = {}): WorkerModel {
  const label = labelOf(spec)
  const obj = typeof spec === 'string' ? parseModelSpec(spec) : spec
  if (typeof obj !== 'object' || obj === null || typeof obj.kind !== 'string')
    throw new ModelSpecError(`model ${label}: kind must be a string`)
  const p = new Params(obj, label)
  const kind = ALIASES[obj.kind] ?? obj.kind
  if (kind === 'http' || kind === 'cmd') {
    const model = createExternal(kind, p, 'worker')
    p.done()
    return model
  }
  const inferer = createInferer(kind, p, options, label)
  p.done()
  return withForecaster(inferer, createForecaster(obj.forecaster ?? DEFAULT_FORECASTER, label))
}

function createInferer(kind: string, p: Params, options: ModelOptions, label: string): Inferer {
  switch (kind) {
    case 'last':
      return new LastValue()
    case 'ma':
      return new MovingAverage(p.int('window', 10, 1))
    case 'ema':
      return new Ema(p.unit('alpha', 0.3))
    case 'trend':
      return new LinearTrend(p.int('window', 10, 2))
    case 'drift':
      return new Drift(p.int('window', 20, 1))
    case 'ar': {
      const order = p.int('order', 3, 1)
      return new AutoRegression(order, {
        window: p.int('window', Math.max(60, order + 2), order + 2),
        halflife: p.number('halflife', Number.POSITIVE_INFINITY, (v) => v > 0, '> 0'),
        diff: p.flag('diff'),
      })
    }
    case 'zk-linear':
      return new ZkLinearModel(
        p.string('path'),
        p.number('scale', 1, (v) => v > 0, '> 0'),
      )
    case 'oracle': {
      if (options.groundTruth === undefined)
        throw new ModelSpecError(`model "${label}": the oracle test device needs the topic's ground truth`)
      return new NoisyOracle(options.groundTruth, {
        noise: p.number('noise', 1, (v) => v >= 0, '>= 0'),
        bias: p.number('bias', 0, () => true, 'a number'),
        seed: p.int('seed', 0, 0),
      })
    }
    default:
      throw new ModelSpecError(
        `model "${label}": unknown kind "${kind}" (have: last, ma, ema, trend, drift, ar, zk-linear, oracle, http, cmd)`,
      )
  }
}

/** An external model (http.ts, subprocess.ts) as a whole worker or as a forecaster only. */
function createExternal(kind: 'http' | 'cmd', p: Params, role: ExternalRole): HttpModel | SubprocessModel {
  if (kind === 'http') return new HttpModel({ url: p.string('url'), timeoutMs: p.int('timeoutMs', 2000, 1), role })
  return new SubprocessModel({
    command: p.string('command'),
    args: p.strings('args'),
    timeoutMs: p.int('timeoutMs', 2000, 1),
    maxRestarts: p.int('maxRestarts', 3, 0),
    role,
  })
}

export function createForecaster(spec: string | ModelSpecObject, label = labelOf(spec)): Forecaster {
  const obj = typeof spec === 'string' ? (isExternal(spec) ? parseModelSpec(spec) : paramsOf(spec, label)) : spec
  const p = new Params(obj, label)
  let forecaster: Forecaster
  const kind = ALIASES[obj.kind] ?? obj.kind
  switch (kind) {
    case 'http':
    case 'cmd':
      forecaster = createExternal(kind, p, 'forecaster')
      break
    case 'regime':
      forecaster = new RegimeForecaster({
        window: p.int('window', 16, 4),
        alpha: p.unit('alpha', 0.1),
        prior: p.number('prior', 3, (v) => v >= 0, '>= 0'),
        recent: p.number('recent', 0, (v) => v >= 0 && v <= 1, 'in [0, 1]'),
        fastAlpha: p.unit('fastAlpha', 0.3),
        statistic: p.choice('statistic', STATISTICS, 'mean'),
        cover: p.number('cover', Number.POSITIVE_INFINITY, (v) => v >= 1, '>= 1'),
      })
      break
    case 'adaptive':
      forecaster = new AdaptiveForecaster({
        meta: p.unit('meta', 0.05),
        cover: p.number('cover', 1, (v) => v >= 1, '>= 1'),
        window: p.int('window', 16, 4),
      })
      break
    case 'ensemble':
      forecaster = new EnsembleForecaster({
        halflives: p.numbers('halflives', DEFAULT_HALFLIVES, (v) => v > 0, '> 0'),
        meta: p.unit('meta', 0.05),
        maxInferers: p.int('maxInferers', 7, 1),
        statistic: p.choice('statistic', ENSEMBLE_STATISTICS, 'mean'),
      })
      break
    case 'learn':
      forecaster = new LearningForecaster({
        target: p.choice('target', LEARNING_TARGETS, 'zscore'),
        scope: p.choice('scope', LEARNING_SCOPES, 'inferer'),
        halflife: p.number('halflife', 100, (v) => v > 0, '> 0'),
        ridge: p.number('ridge', 10, (v) => v > 0, '> 0'),
        cover: p.number('cover', 1, (v) => v >= 1, '>= 1'),
      })
      break
    case 'loss-ema':
      forecaster = new LossEmaForecaster(
        p.unit('alpha', 0.2),
        p.choice('statistic', STATISTICS, 'mean'),
        p.number('cover', Number.POSITIVE_INFINITY, (v) => v >= 1, '>= 1'),
      )
      break
    default:
      throw new ModelSpecError(
        `model "${label}": unknown forecaster "${String(obj.kind)}" (have: adaptive, learn, ensemble, regime, loss-ema, http, cmd)`,
      )
  }
  p.done()
  return forecaster
}
