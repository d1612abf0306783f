/**
 * The synthesize step (epoch-json §3; docs/spec/math.md §5–§9): inferences, forecasts and the
 * stored regrets in, the network inference and every derived inference out.
 *
 * Pure and deterministic: no clock, no randomness, no I/O; every id set is walked in
 * ascending code-unit order and every sum runs in that order, so each node gets the same
 * bits. The one-out-inferer networks dominate the cost (inferers × (inferers + forecasters)
 * weight evaluations), so ids are resolved to indices once and the kernels work on
 * preallocated Float64Arrays.
 */
import {
  allForecasters,
  combine,
  combineContext,
  familyRow,
  meanExcept,
  NO_FORECASTERS,
  resolveFamily,
  rowOfSet,
  type CombineContext,
  type ForecasterSlice,
} from './combine.js'
import { confidenceInterval, EMPTY_CI } from './confidence-interval.js'
import { SynthesisError } from './errors.js'
import {
  forecastScratch,
  impliedByMedian,
  impliedByRegret,
  oneOutImpliedByMedian,
  oneOutImpliedByRegret,
  type ForecastRow,
} from './forecast-implied.js'
import { median } from './stats.js'
import { checkParams, checkState, indexEpoch, type IndexedEpoch } from './synthesis-input.js'
import { EMPTY_MATRIX } from './id-matrix.js'
import type { IdMap, IdMatrix, SynthesisInput, SynthesisOutput, SynthesisParams, TopicState } from './types.js'
import { weightKernel, type WorkCounter } from './weights.js'

export function synthesizeEpoch(params: SynthesisParams, input: SynthesisInput, state: TopicState): SynthesisOutput {
  return synthesize(params, input, state, undefined)
}

/**
 * How many times the step evaluates the weight function for this epoch: the benchmark times
 * that many evaluations in a tight loop as the floor of the step's cost.
 */
export function countWeightEvaluations(params: SynthesisParams, input: SynthesisInput, state: TopicState): number {
  const counter: WorkCounter = { weightEvaluations: 0 }
  synthesize(params, input, state, counter)
  return counter.weightEvaluations
}

function synthesize(
  params: SynthesisParams,
  input: SynthesisInput,
  state: TopicState,
  counter: WorkCounter | undefined,
): SynthesisOutput {
  checkParams(params)
  checkState(state)
  const previousLoss = state.previousNetworkLoss
  const weighted = previousLoss !== null && state.initialRegret !== 0
  const epoch = indexEpoch(input, weighted ? previousLoss : null)
  const n = epoch.infererIds.length
  // The modes of epoch-json §3.2, in order; the first that applies is used.
  let out: SynthesisOutput
  if (n === 0) throw new SynthesisError('NO_INFERENCES', 'no inferences in this epoch')
  else if (n === 1) out = valuesOnly(epoch.inferences[0], epoch.inferences[0])
  else if (previousLoss === null) out = valuesOnly(median(Array.from(epoch.inferences)), 0)
  else if (state.initialRegret === 0) out = newTopic(epoch)
  else out = regretWeighted(params, epoch, state, counter)
  checkFinite(out)
  return out
}

/** Modes 2 and 3: two numbers and every map and list empty. */
function valuesOnly(networkInference: number, naiveInference: number): SynthesisOutput {
  return {
    networkInference,
    naiveInference,
    forecastedRegrets: {},
    forecastImpliedInferences: {},
    oneOutInfererInferences: {},
    oneOutForecasterInferences: {},
    oneInForecasterInferences: {},
    oneOutInfererForecastImpliedInferences: EMPTY_MATRIX,
    weights: { inferers: {}, forecasters: {} },
    confidenceInterval: EMPTY_CI,
  }
}

/** Mode 4, new topic (§8.6): medians per forecaster, plain means for every network. */
function newTopic(epoch: IndexedEpoch): SynthesisOutput {
  const { infererIds, inferences, forecasts } = epoch
  const implied = new Float64Array(forecasts.length)
  for (let b = 0; b < forecasts.length; b++) implied[b] = impliedByMedian(forecasts[b], inferences, -1) ?? Number.NaN
  const withoutEach = forecasts.map((row) => oneOutImpliedByMedian(row, inferences))
  const mean = meanExcept(inferences, -1)
  const oneOutInferers = new Float64Array(infererIds.length)
  for (let l = 0; l < infererIds.length; l++) oneOutInferers[l] = meanExcept(inferences, l)
  const forecasterIds = forecasts.map((row) => row.id)
  // One-out-forecaster and one-in networks drop forecasters, so all are the plain mean.
  const perForecaster = (field: string): IdMap =>
    forecasts.length >= 2 ? mapOf(forecasterIds, new Float64Array(forecasts.length).fill(mean), field) : {}
  return {
    networkInference: mean,
    naiveInference: mean,
    forecastedRegrets: {},
    forecastImpliedInferences: mapOf(forecasterIds, implied, 'forecast_implied_inferences'),
    oneOutInfererInferences: mapOf(infererIds, oneOutInferers, 'one_out_inferer_inferences'),
    oneOutForecasterInferences: perForecaster('one_out_forecaster_inferences'),
    oneInForecasterInferences: perForecaster('one_in_forecaster_inferences'),
    oneOutInfererForecastImpliedInferences: oneOutImpliedMatrix(infererIds, forecasts, implied, withoutEach),
    weights: { inferers: {}, forecasters: {} },
    confidenceInterval: EMPTY_CI,
  }
}

/** Mode 5: regret-weighted, §6 then §8.1–§8.5, with §9 from the combined weights. */
function regretWeighted(
  params: SynthesisParams,
  epoch: IndexedEpoch,
  state: TopicState,
  counter: WorkCounter | undefined,
): SynthesisOutput {
  const { infererIds, inferences } = epoch
  const regrets = state.regrets
  const kernel = weightKernel(params.pNorm, params.cNorm, params.epsilon)
  const scratch = forecastScratch(epoch.forecasts)
  const forecastedRegrets = openRecord<IdMap>()
  // §7: only forecasters that obtain an I_ik take part in the networks.
  const rows: ForecastRow[] = []
  const impliedList: number[] = []
  for (const row of epoch.forecasts) {
    forecastedRegrets[row.id] = rowMap(infererIds, row, row.regrets)
    const value = impliedByRegret(kernel, row, inferences, -1, scratch, counter)
    if (value === undefined) continue
    rows.push(row)
    impliedList.push(value)
  }
  const implied = Float64Array.from(impliedList)
  const forecasterIds = rows.map((row) => row.id)
  const nI = infererIds.length
  const nF = rows.length
  const ctx = combineContext(
    kernel,
    params.epsilonSafeDiv,
    state.initialRegret,
    counter,
    infererIds,
    inferences,
    forecasterIds,
  )

  const all = allForecasters(nF)
  const networkInference = combine(ctx, rowOfSet(ctx, regrets.network), -1, all, implied)
  const infererWeights = ctx.weights.slice(0, nI)
  const forecasterWeights = ctx.weights.slice(nI, nI + nF)
  // §9 over {I_ij} then {I_ik}, the order epoch-json §6.4 starts its stable sort from.
  const ciValues = new Float64Array(nI + nF)
  ciValues.set(inferences)
  ciValues.set(implied, nI)
  const ci = confidenceInterval(ciValues, ctx.weights, nI + nF)
  const naiveInference = combine(ctx, rowOfSet(ctx, regrets.naive), -1, NO_FORECASTERS, implied)

  const withoutEach = rows.map((row) => oneOutImpliedByRegret(kernel, row, inferences, scratch, counter))
  const oneOutInferers = oneOutInfererNetworks(ctx, state, rows, implied, withoutEach)

  let oneOutForecasters: IdMap = {}
  let oneInForecasters: IdMap = {}
  if (nF >= 2) {
    const outValues = new Float64Array(nF)
    const inValues = new Float64Array(nF)
    const oneOut = resolveFamily(ctx, regrets.oneOutForecaster)
    const oneIn = resolveFamily(ctx, regrets.oneInForecaster)
    for (let b = 0; b < nF; b++) {
      const id = forecasterIds[b]
      outValues[b] = combine(ctx, familyRow(oneOut, id), -1, { from: 0, to: nF, skip: b }, implied)
      inValues[b] = combine(ctx, familyRow(oneIn, id), -1, { from: b, to: b + 1, skip: -1 }, implied)
    }
    oneOutForecasters = mapOf(forecasterIds, outValues, 'one_out_forecaster_inferences')
    oneInForecasters = mapOf(forecasterIds, inValues, 'one_in_forecaster_inferences')
  }
  return {
    networkInference,
    naiveInference,
    forecastedRegrets: closeRecord(forecastedRegrets),
    forecastImpliedInferences: mapOf(forecasterIds, implied, 'forecast_implied_inferences'),
    oneOutInfererInferences: mapOf(infererIds, oneOutInferers, 'one_out_inferer_inferences'),
    oneOutForecasterInferences: oneOutForecasters,
    oneInForecasterInferences: oneInForecasters,
    oneOutInfererForecastImpliedInferences: oneOutImpliedMatrix(infererIds, rows, implied, withoutEach),
    weights: {
      inferers: mapOf(infererIds, infererWeights, 'weights.inferers'),
      forecasters: mapOf(forecasterIds, forecasterWeights, 'weights.forecasters'),
    },
    confidenceInterval: ci,
  }
}

/**
 * §8.3 for every inferer l. Only the forecasters covering l change their value in the
 * network without l, so each network starts from the unchanged I_ik and patches those in.
 */
function oneOutInfererNetworks(
  ctx: CombineContext,
  state: TopicState,
  rows: readonly ForecastRow[],
  implied: Float64Array,
  withoutEach: readonly Float64Array[],
): Float64Array {
  const nI = ctx.infererIds.length
  // Inverted index: for inferer l, the (forecaster b, element e) pairs that cover it.
  const start = new Int32Array(nI + 1)
  for (const row of rows) for (const j of row.inferers) start[j + 1]++
  for (let l = 0; l < nI; l++) start[l + 1] += start[l]
  const coverRow = new Int32Array(start[nI])
  const coverElement = new Int32Array(start[nI])
  const fill = start.slice(0, nI)
  for (let b = 0; b < rows.length; b++) {
    const inferers = rows[b].inferers
    for (let e = 0; e < inferers.length; e++) {
      const at = fill[inferers[e]]++
      coverRow[at] = b
      coverElement[at] = e
    }
  }
  const values = implied.slice()
  const slice: ForecasterSlice = allForecasters(rows.length)
  const family = resolveFamily(ctx, state.regrets.oneOutInferer)
  const out = new Float64Array(nI)
  for (let l = 0; l < nI; l++) {
    for (let at = start[l]; at < start[l + 1]; at++) values[coverRow[at]] = withoutEach[coverRow[at]][coverElement[at]]
    out[l] = combine(ctx, familyRow(family, ctx.infererIds[l]), l, slice, values)
    for (let at = start[l]; at < start[l + 1]; at++) values[coverRow[at]] = implied[coverRow[at]]
  }
  return out
}

/**
 * Row forecaster k, column withheld inferer l: I_ik without l for every inferer — the
 * recomputed value where k covers l (NaN if it vanished), the unchanged I_ik elsewhere.
 */
function oneOutImpliedMatrix(
  infererIds: readonly string[],
  rows: readonly ForecastRow[],
  implied: Float64Array,
  withoutEach: readonly Float64Array[],
): IdMatrix {
  const nI = infererIds.length
  const values = new Float64Array(rows.length * nI)
  for (let b = 0; b < rows.length; b++) {
    const base = b * nI
    const value = finite(implied[b], 'one_out_inferer_forecast_implied_inferences', rows[b].id)
    values.fill(value, base, base + nI)
    const covered = rows[b].inferers
    for (let e = 0; e < covered.length; e++) {
      const v = withoutEach[b][e]
      values[base + covered[e]] = Number.isNaN(v)
        ? v
        : finite(v, 'one_out_inferer_forecast_implied_inferences', rows[b].id)
    }
  }
  return { rows: rows.map((row) => row.id), cols: infererIds, values }
}

/** A record of ids[i] → values[i]; every value must be finite (epoch-json §1). */
function mapOf(ids: readonly string[], values: Float64Array, field: string): IdMap {
  const map = openRecord<number>()
  for (let i = 0; i < ids.length; i++) map[ids[i]] = finite(values[i], field, ids[i])
  return closeRecord(map)
}

/** A forecaster's per-element values keyed by the inferer each element covers. */
function rowMap(infererIds: readonly string[], row: ForecastRow, values: Float64Array): IdMap {
  const map = openRecord<number>()
  for (let e = 0; e < row.inferers.length; e++) map[infererIds[row.inferers[e]]] = values[e]
  return closeRecord(map)
}

/**
 * A record under construction. Without a prototype any id (even "__proto__") is a plain own
 * key, and V8 keeps the object in dictionary mode, as JSON.parse does: filling `{}` key by
 * key instead is several times slower to build and to read back at a thousand keys.
 */
function openRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

/** The finished record gets the ordinary prototype, so it behaves like any parsed object. */
function closeRecord<T>(map: Record<string, T>): IdMap<T> {
  return Object.setPrototypeOf(map, Object.prototype) as IdMap<T>
}

/**
 * Outputs must be finite (epoch-json §1): every value of an output map is checked as the map
 * is built (forecasted regrets when they are read), so only the scalars and the interval
 * remain. An overflow is reported, never passed on.
 */
function checkFinite(out: SynthesisOutput): void {
  finite(out.networkInference, 'network_inference', undefined)
  finite(out.naiveInference, 'naive_inference', undefined)
  for (const v of out.confidenceInterval.values) finite(v, 'confidence_interval.values', undefined)
}

function finite(value: number, field: string, id: string | undefined): number {
  if (Number.isFinite(value)) return value
  throw new SynthesisError('NON_FINITE', `${field}${id === undefined ? '' : `["${id}"]`} is not finite (${value})`)
}
