/**
 * Whether a change of a topic's rules is in range: its epoch length (`epochMs`), its
 * active-set caps and EMA parameters (`activeSet.<field>`) and its synthesis parameters
 * (`params.<snake_case name>`). The ledger
 * checks a governance proposal with it; src/topic/rule-changes.ts applies a passed one.
 */
import { activeSetSchema } from './active-set.js'
import { parseParams } from './epoch-json.js'

const ACTIVE_SET_FIELDS = ['inferers', 'forecasters', 'reputers', 'alpha', 'quantile'] as const

/** A topic's epoch length, as a topic file may set it (topic/config.ts). */
export const MIN_EPOCH_MS = 50
export const MAX_EPOCH_MS = 86_400_000

/** Why `value` cannot be `field` of a topic's rules, or undefined if it can. */
export function ruleChangeProblem(field: string, value: string): string | undefined {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) return 'must be a finite number'
  if (field === 'epochMs')
    return /^[1-9]\d*$/.test(value) && n >= MIN_EPOCH_MS && n <= MAX_EPOCH_MS
      ? undefined
      : `must be a whole number of ms from ${MIN_EPOCH_MS} to ${MAX_EPOCH_MS}`
  const [group, name, ...rest] = field.split('.')
  if (rest.length > 0 || name === undefined) return `unknown rule ${field}`
  if (group === 'activeSet') {
    if (!(ACTIVE_SET_FIELDS as readonly string[]).includes(name))
      return `activeSet has no field ${name} (${ACTIVE_SET_FIELDS.join(', ')})`
    const parsed = activeSetSchema.safeParse({ [name]: n })
    return parsed.success ? undefined : parsed.error.issues[0].message
  }
  if (group === 'params') {
    try {
      parseParams({ [name]: n }, 'params')
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  }
  return `unknown rule ${field} (epochMs, activeSet.<field> or params.<name>)`
}
