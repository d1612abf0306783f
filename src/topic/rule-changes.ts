/**
 * Changes of a topic's consensus rules by governance: its epoch length (`epochMs`: the chain
 * times epochs by it from the epoch after next, chain/execution.ts), its active-set caps and EMA parameters
 * (`activeSet.<field>`) and its synthesis parameters (`params.<snake_case name>`, epoch-json
 * §2.1). A change is checked against the field's range before it can be proposed
 * (synthesis/rule-change-check.ts), and applied to the topic's config by every node at the
 * height its proposal passes.
 */
import { parseParams } from '../synthesis/epoch-json.js'
import { writeParams } from '../synthesis/epoch-json-write.js'
import type { TopicConfig } from './config.js'

/** `config` with the rule changes applied (each checked by ruleChangeProblem, synthesis/rule-change-check.ts, when proposed). */
export function withRuleChanges(config: TopicConfig, changes: ReadonlyMap<string, string>): TopicConfig {
  let activeSet = config.activeSet
  let params: Record<string, unknown> | undefined
  let { epochMs, submissionWindowMs } = config
  for (const [field, value] of [...changes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [group, name] = field.split('.')
    if (group === 'activeSet') activeSet = { ...activeSet, [name]: Number(value) }
    else if (group === 'params') params = { ...(params ?? writeParams(config.params)), [name]: Number(value) }
    else if (field === 'epochMs' && Number(value) !== epochMs) {
      // The submission window keeps its share of the epoch (so it stays shorter than it).
      submissionWindowMs = Math.max(1, Math.floor((submissionWindowMs * Number(value)) / epochMs))
      epochMs = Number(value)
    }
  }
  return {
    ...config,
    epochMs,
    submissionWindowMs,
    activeSet,
    ...(params === undefined ? {} : { params: parseParams(params, 'params') }),
  }
}
