/**
 * The comparison of epoch-json §7: an output (as written by `writeEpochOutput`) against the
 * partial `expected` object of a test file.
 *
 * - a number passes if |got − expected| ≤ max(1e-6·|expected|, 1e-9);
 * - a map keyed by ids must have exactly the expected ids;
 * - a list must have the expected length;
 * - a field name that is not in `expected` is not compared.
 *
 * Telling an id map from an object with fixed fields needs the schema: ID_MAPS lists the
 * paths (ids written `*`) whose keys are ids.
 */

export const RELATIVE = 1e-6
export const ABSOLUTE = 1e-9

const LOSS_MAPS = [
  'inferers',
  'forecasters',
  'one_out_inferers',
  'one_out_forecasters',
  'one_in_forecasters',
  'one_out_inferer_forecasters',
  'one_out_inferer_forecasters.*',
]
const TASKS = ['inferers', 'forecasters', 'reputers']
const REGRET_SETS = ['network', 'naive', 'one_out_inferer.*', 'one_out_forecaster.*', 'one_in_forecaster.*'].flatMap(
  (s) => [`${s}.inferers`, `${s}.forecasters`],
)
const STATE_MAPS = [
  ...REGRET_SETS.map((p) => `regrets.${p}`),
  'regrets.one_out_inferer',
  'regrets.one_out_forecaster',
  'regrets.one_in_forecaster',
  'inferer_inclusion_counts',
  'forecaster_inclusion_counts',
  'listening_coefficients',
  ...TASKS.map((t) => `smoothed_reward_fractions.${t}`),
]

/** Paths of id-keyed maps in an epoch output. */
export const ID_MAPS: ReadonlySet<string> = new Set([
  ...[
    'forecasted_regrets',
    'forecasted_regrets.*',
    'forecast_implied_inferences',
    'one_out_inferer_inferences',
    'one_out_forecaster_inferences',
    'one_in_forecaster_inferences',
    'one_out_inferer_forecast_implied_inferences',
    'one_out_inferer_forecast_implied_inferences.*',
    'weights.inferers',
    'weights.forecasters',
  ].map((p) => `synthesize.${p}`),
  ...[
    ...LOSS_MAPS.map((p) => `consensus_losses.${p}`),
    'inferer_scores',
    'forecaster_scores',
    'reputer_scores',
    'adjusted_stakes',
    ...TASKS.map((t) => `reward_fractions.${t}`),
    ...TASKS.map((t) => `rewards.${t}`),
    ...STATE_MAPS.map((p) => `state.${p}`),
  ].map((p) => `settle.${p}`),
])

export interface EpochComparison {
  /** One line per mismatch: `path: reason`. Empty when everything expected matched. */
  readonly mismatches: string[]
  /** Numbers compared (so a test can tell "all passed" from "nothing compared"). */
  readonly compared: number
}

export function compareEpochOutput(got: unknown, expected: unknown): EpochComparison {
  const result = { mismatches: [] as string[], compared: 0 }
  walk(got, expected, '', '', result)
  return result
}

function walk(
  got: unknown,
  expected: unknown,
  path: string,
  pattern: string,
  out: { mismatches: string[]; compared: number },
): void {
  const fail = (reason: string): void => void out.mismatches.push(`${path || '(top level)'}: ${reason}`)
  if (typeof expected === 'number') {
    out.compared++
    if (typeof got !== 'number') return fail(`expected ${expected}, got ${JSON.stringify(got)}`)
    if (!(Math.abs(got - expected) <= Math.max(RELATIVE * Math.abs(expected), ABSOLUTE))) {
      fail(`expected ${expected}, got ${got} (difference ${Math.abs(got - expected).toExponential(2)})`)
    }
    return
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return fail(`expected a list, got ${JSON.stringify(got)}`)
    if (got.length !== expected.length) return fail(`expected ${expected.length} entries, got ${got.length}`)
    expected.forEach((e, i) => walk(got[i], e, `${path}[${i}]`, `${pattern}[]`, out))
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof got !== 'object' || got === null || Array.isArray(got))
      return fail(`expected an object, got ${JSON.stringify(got)}`)
    const g = got as Record<string, unknown>
    const e = expected as Record<string, unknown>
    const idMap = ID_MAPS.has(pattern)
    if (idMap) {
      const missing = Object.keys(e).filter((id) => !Object.hasOwn(g, id))
      const extra = Object.keys(g).filter((id) => !Object.hasOwn(e, id))
      if (missing.length > 0) fail(`missing ids ${missing.join(', ')}`)
      if (extra.length > 0) fail(`unexpected ids ${extra.join(', ')}`)
    }
    for (const key of Object.keys(e)) {
      const childPath = path === '' ? key : `${path}.${key}`
      const childPattern = (pattern === '' ? '' : `${pattern}.`) + (idMap ? '*' : key)
      if (!Object.hasOwn(g, key)) {
        if (!idMap) fail(`missing field ${key}`)
        continue
      }
      walk(g[key], e[key], childPath, childPattern, out)
    }
    return
  }
  if (got !== expected) fail(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`)
}
