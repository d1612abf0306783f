/**
 * Writes engine values back as the snake_case epoch JSON of `docs/spec/epoch-json.md`.
 * Pure. Outputs must be finite (epoch-json §1): a NaN or ±Infinity would silently become
 * `null` in JSON.stringify, so it is refused here with the path of the value.
 *
 * Maps are written in ascending id order so that the same result prints the same bytes.
 */
import { EpochJsonError, PARAM_JSON_NAMES, join, record, type EpochFile } from './epoch-json-read.js'
import { nestedOf } from './id-matrix.js'
import { nestedFamily } from './regret-family.js'
import { sortedIds } from './stats.js'
import type {
  IdMap,
  LossBundle,
  RegretFamily,
  RegretSet,
  Regrets,
  SettleOutput,
  SynthesisOutput,
  SynthesisParams,
  TaskMaps,
  TopicState,
} from './types.js'

export type JsonValue = number | string | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** The output object of `chorus synth --epoch` (epoch-json §1): one entry per step run. */
export function writeEpochOutput(out: {
  readonly synthesize?: SynthesisOutput
  readonly settle?: SettleOutput
}): JsonObject {
  const json: JsonObject = {}
  if (out.synthesize !== undefined) json.synthesize = writeSynthesisOutput(out.synthesize, 'synthesize')
  if (out.settle !== undefined) json.settle = writeSettleOutput(out.settle, 'settle')
  return json
}

export function writeSynthesisOutput(out: SynthesisOutput, path = 'synthesize'): JsonObject {
  const at = (key: string): string => join(path, key)
  return {
    network_inference: finite(out.networkInference, at('network_inference')),
    naive_inference: finite(out.naiveInference, at('naive_inference')),
    forecasted_regrets: nestedMap(out.forecastedRegrets, at('forecasted_regrets')),
    forecast_implied_inferences: numberMap(out.forecastImpliedInferences, at('forecast_implied_inferences')),
    one_out_inferer_inferences: numberMap(out.oneOutInfererInferences, at('one_out_inferer_inferences')),
    one_out_forecaster_inferences: numberMap(out.oneOutForecasterInferences, at('one_out_forecaster_inferences')),
    one_in_forecaster_inferences: numberMap(out.oneInForecasterInferences, at('one_in_forecaster_inferences')),
    one_out_inferer_forecast_implied_inferences: nestedMap(
      nestedOf(out.oneOutInfererForecastImpliedInferences),
      at('one_out_inferer_forecast_implied_inferences'),
    ),
    weights: {
      inferers: numberMap(out.weights.inferers, join(at('weights'), 'inferers')),
      forecasters: numberMap(out.weights.forecasters, join(at('weights'), 'forecasters')),
    },
    confidence_interval: {
      percentiles: list(out.confidenceInterval.percentiles, join(at('confidence_interval'), 'percentiles')),
      values: list(out.confidenceInterval.values, join(at('confidence_interval'), 'values')),
    },
  }
}

export function writeSettleOutput(out: SettleOutput, path = 'settle'): JsonObject {
  const at = (key: string): string => join(path, key)
  return {
    consensus_losses: writeLossBundle(out.consensusLosses, at('consensus_losses')),
    inferer_scores: numberMap(out.infererScores, at('inferer_scores')),
    forecaster_scores: numberMap(out.forecasterScores, at('forecaster_scores')),
    forecasting_task_score: finite(out.forecastingTaskScore, at('forecasting_task_score')),
    reputer_scores: numberMap(out.reputerScores, at('reputer_scores')),
    adjusted_stakes: numberMap(out.adjustedStakes, at('adjusted_stakes')),
    reward_fractions: taskMaps(out.rewardFractions, at('reward_fractions')),
    entropies: taskNumbers(out.entropies, at('entropies')),
    forecasting_utility: finite(out.forecastingUtility, at('forecasting_utility')),
    task_reward_fractions: taskNumbers(out.taskRewardFractions, at('task_reward_fractions')),
    rewards: taskMaps(out.rewards, at('rewards')),
    state: writeState(out.state, at('state')),
  }
}

export function writeLossBundle(bundle: LossBundle, path: string): JsonObject {
  const at = (key: string): string => join(path, key)
  return {
    network: finite(bundle.network, at('network')),
    naive: finite(bundle.naive, at('naive')),
    inferers: numberMap(bundle.inferers, at('inferers')),
    forecasters: numberMap(bundle.forecasters, at('forecasters')),
    one_out_inferers: numberMap(bundle.oneOutInferers, at('one_out_inferers')),
    one_out_forecasters: numberMap(bundle.oneOutForecasters, at('one_out_forecasters')),
    one_in_forecasters: numberMap(bundle.oneInForecasters, at('one_in_forecasters')),
    one_out_inferer_forecasters: nestedMap(
      nestedOf(bundle.oneOutInfererForecasters),
      at('one_out_inferer_forecasters'),
    ),
  }
}

export function writeState(state: TopicState, path: string): JsonObject {
  const at = (key: string): string => join(path, key)
  return {
    initial_regret: finite(state.initialRegret, at('initial_regret')),
    previous_network_loss:
      state.previousNetworkLoss === null ? null : finite(state.previousNetworkLoss, at('previous_network_loss')),
    regrets: writeRegrets(state.regrets, at('regrets')),
    inferer_inclusion_counts: numberMap(state.infererInclusionCounts, at('inferer_inclusion_counts')),
    forecaster_inclusion_counts: numberMap(state.forecasterInclusionCounts, at('forecaster_inclusion_counts')),
    listening_coefficients: numberMap(state.listeningCoefficients, at('listening_coefficients')),
    smoothed_reward_fractions: taskMaps(state.smoothedRewardFractions, at('smoothed_reward_fractions')),
    score_history: {
      inferers: list(state.scoreHistory.inferers, join(at('score_history'), 'inferers')),
      forecasters: list(state.scoreHistory.forecasters, join(at('score_history'), 'forecasters')),
    },
    forecaster_score_ratio: finite(state.forecasterScoreRatio, at('forecaster_score_ratio')),
  }
}

export function writeRegrets(regrets: Regrets, path: string): JsonObject {
  const at = (key: string): string => join(path, key)
  const family = (f: RegretFamily, p: string): JsonObject => {
    const sets = nestedFamily(f)
    const out: JsonObject = record<JsonValue>()
    for (const id of sortedIds(sets)) out[id] = regretSet(sets[id], join(p, id))
    return out
  }
  return {
    network: regretSet(regrets.network, at('network')),
    naive: regretSet(regrets.naive, at('naive')),
    one_out_inferer: family(regrets.oneOutInferer, at('one_out_inferer')),
    one_out_forecaster: family(regrets.oneOutForecaster, at('one_out_forecaster')),
    one_in_forecaster: family(regrets.oneInForecaster, at('one_in_forecaster')),
  }
}

export function writeParams(params: SynthesisParams, path = 'params'): JsonObject {
  const out: JsonObject = {}
  for (const [jsonName, engineName] of Object.entries(PARAM_JSON_NAMES)) {
    out[jsonName] = finite(params[engineName], join(path, jsonName))
  }
  return out
}

/**
 * The input side of an epoch file, the inverse of `parseEpochFile`: every param is written
 * out, so the file no longer depends on the defaults of the version that wrote it.
 */
export function writeEpochFile(file: EpochFile): JsonObject {
  const json: JsonObject = {}
  if (file.synthesize !== undefined) {
    const { params, input, state } = file.synthesize
    json.synthesize = {
      params: writeParams(params, 'synthesize.params'),
      inferences: numberMap(input.inferences, 'synthesize.inferences'),
      forecasts: nestedMap(input.forecasts, 'synthesize.forecasts'),
      state: writeState(state, 'synthesize.state'),
    }
  }
  if (file.settle !== undefined) {
    const { params, input, state } = file.settle
    const reputers: JsonObject = record<JsonValue>()
    for (const id of sortedIds(input.reputers)) {
      const at = join('settle.reputers', id)
      reputers[id] = {
        stake: finite(input.reputers[id].stake, join(at, 'stake')),
        losses: writeLossBundle(input.reputers[id].losses, join(at, 'losses')),
      }
    }
    json.settle = {
      params: writeParams(params, 'settle.params'),
      reputers,
      topic_reward: finite(input.topicReward, 'settle.topic_reward'),
      state: writeState(state, 'settle.state'),
    }
  }
  return json
}

// ---- helpers ----

function finite(value: number, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EpochJsonError(path, `output is not a finite number (${String(value)})`)
  }
  return value
}

function list(values: readonly number[], path: string): number[] {
  return values.map((v, i) => finite(v, `${path}[${i}]`))
}

function numberMap(map: IdMap, path: string): JsonObject {
  const out: JsonObject = record<JsonValue>()
  for (const id of sortedIds(map)) out[id] = finite(map[id], join(path, id))
  return out
}

function nestedMap(map: IdMap<IdMap>, path: string): JsonObject {
  const out: JsonObject = record<JsonValue>()
  for (const id of sortedIds(map)) out[id] = numberMap(map[id], join(path, id))
  return out
}

function regretSet(set: RegretSet, path: string): JsonObject {
  return {
    inferers: numberMap(set.inferers, join(path, 'inferers')),
    forecasters: numberMap(set.forecasters, join(path, 'forecasters')),
  }
}

function taskMaps(maps: TaskMaps<IdMap>, path: string): JsonObject {
  return {
    inferers: numberMap(maps.inferers, join(path, 'inferers')),
    forecasters: numberMap(maps.forecasters, join(path, 'forecasters')),
    reputers: numberMap(maps.reputers, join(path, 'reputers')),
  }
}

function taskNumbers(values: TaskMaps<number>, path: string): JsonObject {
  return {
    inferers: finite(values.inferers, join(path, 'inferers')),
    forecasters: finite(values.forecasters, join(path, 'forecasters')),
    reputers: finite(values.reputers, join(path, 'reputers')),
  }
}
