/**
 * Changes of a topic's consensus rules by governance: its active-set caps and EMA parameters
 * (`activeSet.<field>`) and its synthesis parameters (`params.<snake_case name>`, epoch-json
 * §2.1). A change is checked against the field's range before it can be proposed, and applied
 * to the topic's config by every node at the height its proposal passes.
 */
import { parseParams } from '../synthesis/epoch-json.js'
import { writeParams } from '../synthesis/epoch-json-write.js'
import { activeSetSchema } from './active-set.js'
import type { TopicConfig } from './config.js'

const ACTIVE_SET_FIELDS = ['inferers', 'forecasters', 'reputers', 'alpha', 'quantile'] as const

/** Why `value` cannot be `field` of a topic's rules, or undefined if it can. */
export function ruleChangeProblem(field: string, value: string): string | undefined {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) return 'must be a finite number'
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
  return `unknown rule ${field} (activeSet.<field> or params.<name>)`
}

/** `config` with the rule changes applied (each checked by ruleChangeProblem when proposed). */
export function withRuleChanges(config: TopicConfig, changes: ReadonlyMap<string, string>): TopicConfig {
  let activeSet = config.activeSet
  let params: Record<string, unknown> | undefined
  for (const [field, value] of [...changes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [group, name] = field.split('.')
    if (group === 'activeSet') activeSet = { ...activeSet, [name]: Number(value) }
    else if (group === 'params') params = { ...(params ?? writeParams(config.params)), [name]: Number(value) }
  }
  return { ...config, activeSet, ...(params === undefined ? {} : { params: parseParams(params, 'params') }) }
}
