/**
 * A topic's merit sortition as `GET /v1/topics/:id` shows it: the caps, and each actor's score
 * EMA by task, best first (the order the caps choose by; ties by id).
 */
import type { TopicChain } from '../consensus/chain/execution.js'
import { MERIT_TASKS } from '../consensus/chain/merit.js'
import type { Json } from './encoding.js'

export function meritView(run: TopicChain | undefined): Json {
  if (run === undefined) return null
  const { inferers, forecasters, reputers, alpha, quantile } = run.config.activeSet
  const ranked = (emas: ReadonlyMap<string, number>): Json =>
    [...emas].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([id, scoreEma]) => ({ id, scoreEma }))
  return {
    caps: { inferers, forecasters, reputers },
    alpha,
    quantile,
    scores: Object.fromEntries(MERIT_TASKS.map((task) => [task, ranked(run.merit.scores[task])])),
  }
}
