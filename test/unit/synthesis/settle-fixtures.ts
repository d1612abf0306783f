/**
 * Test helpers for the settle step: reading epoch-json files (snake_case) into the engine's
 * types, and comparing an output with a partial `expected` as epoch-json §7 says.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import type {
  IdMap,
  LossBundle,
  RegretSet,
  ReputerReport,
  SettleInput,
  SynthesisParams,
  TopicState,
} from '../../../src/synthesis/types.js'
import { matrixOf } from '../../../src/synthesis/id-matrix.js'
import { familyOf } from '../../../src/synthesis/regret-family.js'
import { plainOf } from '../../utils/plain.js'
import { VECTORS_DIR } from './fixtures.js'

// JSON values of the fixture files; their shape is checked by the converters below.
// biome-ignore lint/suspicious/noExplicitAny: fixture JSON; its shape is checked by the converters below
type Json = any

export function readJson(path: string): Json {
  return JSON.parse(readFileSync(join(VECTORS_DIR, path), 'utf8'))
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

export function paramsFromJson(j: Json): SynthesisParams {
  const out: Record<string, number> = {}
  for (const k of Object.keys(j)) out[camel(k)] = j[k]
  return out as unknown as SynthesisParams
}

function regretSet(j: Json): RegretSet {
  return { inferers: j.inferers, forecasters: j.forecasters }
}

function family(j: Json): IdMap<RegretSet> {
  return Object.fromEntries(Object.keys(j).map((k) => [k, regretSet(j[k])]))
}

export function stateFromJson(j: Json): TopicState {
  return {
    initialRegret: j.initial_regret,
    previousNetworkLoss: j.previous_network_loss,
    regrets: {
      network: regretSet(j.regrets.network),
      naive: regretSet(j.regrets.naive),
      oneOutInferer: familyOf(family(j.regrets.one_out_inferer)),
      oneOutForecaster: familyOf(family(j.regrets.one_out_forecaster)),
      oneInForecaster: familyOf(family(j.regrets.one_in_forecaster)),
    },
    infererInclusionCounts: j.inferer_inclusion_counts,
    forecasterInclusionCounts: j.forecaster_inclusion_counts,
    listeningCoefficients: j.listening_coefficients,
    smoothedRewardFractions: j.smoothed_reward_fractions,
    scoreHistory: j.score_history,
    forecasterScoreRatio: j.forecaster_score_ratio,
  }
}

export function bundleFromJson(j: Json): LossBundle {
  return {
    network: j.network,
    naive: j.naive,
    inferers: j.inferers ?? {},
    forecasters: j.forecasters ?? {},
    oneOutInferers: j.one_out_inferers ?? {},
    oneOutForecasters: j.one_out_forecasters ?? {},
    oneInForecasters: j.one_in_forecasters ?? {},
    oneOutInfererForecasters: matrixOf(j.one_out_inferer_forecasters ?? {}),
  }
}

export interface SettleCase {
  readonly params: SynthesisParams
  readonly input: SettleInput
  readonly state: TopicState
  readonly expected: Json
}

export function settleCase(file: string): SettleCase {
  const j = readJson(file)
  const s = j.settle
  const reputers: Record<string, ReputerReport> = {}
  for (const id of Object.keys(s.reputers))
    reputers[id] = { stake: s.reputers[id].stake, losses: bundleFromJson(s.reputers[id].losses) }
  return {
    params: paramsFromJson(s.params),
    input: { reputers, topicReward: s.topic_reward },
    state: stateFromJson(s.state),
    expected: j.expected?.settle,
  }
}

const FIELDS = new Set([
  'consensus_losses',
  'network',
  'naive',
  'inferers',
  'forecasters',
  'reputers',
  'one_out_inferers',
  'one_out_forecasters',
  'one_in_forecasters',
  'one_out_inferer_forecasters',
  'inferer_scores',
  'forecaster_scores',
  'forecasting_task_score',
  'reputer_scores',
  'adjusted_stakes',
  'reward_fractions',
  'entropies',
  'forecasting_utility',
  'task_reward_fractions',
  'rewards',
  'state',
  'initial_regret',
  'previous_network_loss',
  'regrets',
  'one_out_inferer',
  'one_out_forecaster',
  'one_in_forecaster',
  'inferer_inclusion_counts',
  'forecaster_inclusion_counts',
  'listening_coefficients',
  'smoothed_reward_fractions',
  'score_history',
  'forecaster_score_ratio',
])

/** epoch-json §7: |got − exp| ≤ max(1e-6·|exp|, 1e-9); id maps with exactly the expected ids. */
export function compareExpected(got: unknown, exp: Json, path = ''): string[] {
  if (path === '') got = plainOf(got)
  const problems: string[] = []
  if (typeof exp === 'number') {
    if (typeof got !== 'number' || !(Math.abs(got - exp) <= Math.max(1e-6 * Math.abs(exp), 1e-9))) {
      problems.push(`${path}: got ${String(got)}, expected ${exp}`)
    }
    return problems
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(got) || got.length !== exp.length)
      return [`${path}: list length ${Array.isArray(got) ? got.length : 'none'} != ${exp.length}`]
    exp.forEach((e, i) => problems.push(...compareExpected(got[i], e, `${path}[${i}]`)))
    return problems
  }
  if (exp === null) return got === null ? [] : [`${path}: expected null`]
  if (typeof got !== 'object' || got === null) return [`${path}: missing`]
  const g = got as Record<string, unknown>
  const keys = Object.keys(exp)
  const isStruct = keys.length > 0 && keys.every((k) => FIELDS.has(k))
  if (!isStruct) {
    const gotKeys = Object.keys(g).sort().join(',')
    const expKeys = [...keys].sort().join(',')
    if (gotKeys !== expKeys) problems.push(`${path}: ids {${gotKeys}} != expected {${expKeys}}`)
    for (const k of keys) problems.push(...compareExpected(g[k], exp[k], `${path}.${k}`))
  } else {
    for (const k of keys) problems.push(...compareExpected(g[camel(k)], exp[k], `${path}.${k}`))
  }
  return problems
}

export function expectMatches(got: unknown, exp: Json): void {
  expect(compareExpected(got, exp)).toEqual([])
}
