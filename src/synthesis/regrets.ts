/**
 * Regret updates once the network loss bundle of an epoch is known (allora-math §4.2;
 * epoch-json §4.2 "regrets", §6.7).
 *
 * Every family is R_new = EMA(α_R, instantaneous, R_prev) with firstTime = false; a pair never
 * stored before starts from the previous `initial_regret`. Regrets of workers absent from this
 * epoch are kept as they were. At 1000 inferers the one-out-inferer family alone holds a
 * million pairs, so this is a hot path: stored values are validated as they are read, and
 * records are written directly in ascending id order.
 */
import { SynthesisError } from './errors.js'
import { emptyRecord, mergeSorted, ownNumber } from './id-map.js'
import { indexOfSorted, positionsIn, remapped, unionSorted } from './id-matrix.js'
import { ema } from './stats.js'
import type { IdMap, IdMatrix, LossBundle, RegretFamily, RegretSet, Regrets } from './types.js'

function stored(value: number, path: string, id: string): number {
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `state.regrets.${path}.${id} is not finite (${value})`)
  return value
}

/** A stored record kept as it was: checked, and rewritten in ascending id order. */
function validated(map: IdMap, path: string): IdMap {
  const out = emptyRecord<number>()
  for (const id of Object.keys(map).sort()) {
    const v: unknown = map[id]
    if (typeof v !== 'number') throw new SynthesisError('INVALID_INPUT', `state.regrets.${path}.${id} must be a number`)
    out[id] = stored(v, path, id)
  }
  return out
}

class RegretUpdater {
  constructor(
    private readonly alpha: number,
    private readonly initialRegret: number,
  ) {}

  /**
   * `previous` with EMA(α, reference − losses[i], previous or initial regret) for every
   * `ids[i]` (ascending). When `previous` holds no other id (the usual case) the record is
   * written in one pass.
   */
  update(previous: IdMap, ids: readonly string[], reference: number, losses: ArrayLike<number>, path: string): IdMap {
    const out = emptyRecord<number>()
    let found = 0
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      const prev = ownNumber(previous, id)
      let base = this.initialRegret
      if (prev !== undefined) {
        base = stored(prev, path, id)
        found++
      }
      out[id] = ema(this.alpha, reference - losses[i], base, false)
    }
    const previousIds = Object.keys(previous)
    if (previousIds.length === found) return out
    const extra = previousIds.filter((id) => !Object.hasOwn(out, id)).sort()
    const merged = emptyRecord<number>()
    for (const id of mergeSorted(ids, extra)) {
      if (Object.hasOwn(out, id)) {
        merged[id] = out[id]
      } else {
        const v: unknown = previous[id]
        if (typeof v !== 'number') throw new SynthesisError('INVALID_INPUT', `state.regrets.${path}.${id} must be a number`)
        merged[id] = stored(v, path, id)
      }
    }
    return merged
  }
}

/** One row's update: EMA towards `reference − losses[i]` in columns `columns[i]` of the new table. */
interface RowUpdate {
  readonly row: string
  readonly reference: number
  readonly columns: Int32Array
  readonly losses: ArrayLike<number>
}

/**
 * A family matrix with `updates` applied: rows and columns are the previous ones plus the
 * updated ones (ascending); entries not updated are kept, absent ones stay absent.
 */
function updatedMatrix(
  alpha: number,
  initialRegret: number,
  previous: IdMatrix,
  rows: readonly string[],
  cols: readonly string[],
  updates: readonly RowUpdate[],
): IdMatrix {
  const values = remapped(previous, rows, cols)
  const nc = cols.length
  for (const u of updates) {
    const base = indexOfSorted(rows, u.row) * nc
    const { columns, losses, reference } = u
    for (let i = 0; i < columns.length; i++) {
      const at = base + columns[i]
      const prev = values[at]
      values[at] = ema(alpha, reference - losses[i], prev === prev ? prev : initialRegret, false)
    }
  }
  return { rows, cols, values }
}

function vectorOf(map: IdMap, ids: readonly string[]): Float64Array {
  const out = new Float64Array(ids.length)
  for (let i = 0; i < ids.length; i++) out[i] = map[ids[i]]
  return out
}

/**
 * §4.2: every regret family updated with the consensus losses `L` of this epoch.
 * `initialRegret` is the value before this epoch's §4.3 update.
 */
export function updateRegrets(alpha: number, initialRegret: number, previous: Regrets, L: LossBundle): Regrets {
  const u = new RegretUpdater(alpha, initialRegret)
  const inferers = Object.keys(L.inferers).sort()
  const forecasters = Object.keys(L.forecasters).sort()
  const infLoss = vectorOf(L.inferers, inferers)
  const fcLoss = vectorOf(L.forecasters, forecasters)

  // Network: L_i − L_ij and L_i − L_ik.
  const network: RegretSet = {
    inferers: u.update(previous.network.inferers, inferers, L.network, infLoss, 'network.inferers'),
    forecasters: u.update(previous.network.forecasters, forecasters, L.network, fcLoss, 'network.forecasters'),
  }
  // Naive: L⁻_i − L_ij; the naive network has no forecasters.
  const naive: RegretSet = {
    inferers: u.update(previous.naive.inferers, inferers, L.naive, infLoss, 'naive.inferers'),
    forecasters: validated(previous.naive.forecasters, 'naive.forecasters'),
  }
  const family = (prev: RegretFamily, heldIds: readonly string[], inferUpdates: RowUpdate[], forecastUpdates: RowUpdate[], forecastCols: readonly string[]): RegretFamily => {
    const rows = unionSorted(prev.inferers.rows, heldIds)
    return {
      inferers: updatedMatrix(alpha, initialRegret, prev.inferers, rows, unionSorted(prev.inferers.cols, inferers), inferUpdates),
      forecasters: updatedMatrix(alpha, initialRegret, prev.forecasters, rows, forecastCols, forecastUpdates),
    }
  }

  // One-out inferer l: L⁻_li − L_ij for every inferer j (j = l included), and
  // L⁻_li − L⁻_lik for every forecaster k whose forecast was recomputed without l.
  const outInfererIds = Object.keys(L.oneOutInferers).sort()
  const infererCols = unionSorted(previous.oneOutInferer.inferers.cols, inferers)
  const infererColumns = positionsIn(inferers, infererCols)
  const recomputed = L.oneOutInfererForecasters
  const withheldAt = positionsIn(outInfererIds, recomputed.cols)
  const nk = recomputed.rows.length
  const nl = recomputed.cols.length
  // Only forecasters with a value for some withheld inferer become columns: a column that
  // would hold nothing must not be stored (the tables grow with rows × columns).
  const used = recomputed.rows.filter((_, k) => withheldAt.some((c) => c >= 0 && recomputed.values[k * nl + c] === recomputed.values[k * nl + c]))
  const recomputedCols = unionSorted(previous.oneOutInferer.forecasters.cols, used)
  const recomputedColumns = positionsIn(recomputed.rows, recomputedCols)
  const outInfererRows: RowUpdate[] = []
  const outInfererForecastRows: RowUpdate[] = []
  const ks: number[] = []
  const withoutL: number[] = []
  for (let i = 0; i < outInfererIds.length; i++) {
    const l = outInfererIds[i]
    const reference = L.oneOutInferers[l]
    outInfererRows.push({ row: l, reference, columns: infererColumns, losses: infLoss })
    ks.length = 0
    withoutL.length = 0
    const c = withheldAt[i]
    if (c >= 0) {
      for (let k = 0; k < nk; k++) {
        const v = recomputed.values[k * nl + c]
        if (v !== v) continue
        ks.push(recomputedColumns[k])
        withoutL.push(v)
      }
    }
    outInfererForecastRows.push({ row: l, reference, columns: Int32Array.from(ks), losses: Float64Array.from(withoutL) })
  }
  const oneOutInferer = family(previous.oneOutInferer, outInfererIds, outInfererRows, outInfererForecastRows, recomputedCols)

  // One-out forecaster k': L⁻_k'i − L_ij and L⁻_k'i − L_ik (k = k' included).
  const outForecasterIds = Object.keys(L.oneOutForecasters).sort()
  const outCols = unionSorted(previous.oneOutForecaster.forecasters.cols, forecasters)
  const outInferRows: RowUpdate[] = []
  const outForecastRows: RowUpdate[] = []
  const outInfererColumns = positionsIn(inferers, unionSorted(previous.oneOutForecaster.inferers.cols, inferers))
  const outForecasterColumns = positionsIn(forecasters, outCols)
  for (const k of outForecasterIds) {
    const reference = L.oneOutForecasters[k]
    outInferRows.push({ row: k, reference, columns: outInfererColumns, losses: infLoss })
    outForecastRows.push({ row: k, reference, columns: outForecasterColumns, losses: fcLoss })
  }
  const oneOutForecaster = family(previous.oneOutForecaster, outForecasterIds, outInferRows, outForecastRows, outCols)

  // One-in forecaster k: L⁺_ki − L_ij, and the self regret L⁺_ki − L_ik (needs L_ik).
  const inForecasterIds = Object.keys(L.oneInForecasters).sort()
  const selfIds = inForecasterIds.filter((k) => ownNumber(L.forecasters, k) !== undefined)
  const inCols = unionSorted(previous.oneInForecaster.forecasters.cols, selfIds)
  const inInferRows: RowUpdate[] = []
  const inForecastRows: RowUpdate[] = []
  const inInfererColumns = positionsIn(inferers, unionSorted(previous.oneInForecaster.inferers.cols, inferers))
  for (const k of inForecasterIds) {
    const reference = L.oneInForecasters[k]
    inInferRows.push({ row: k, reference, columns: inInfererColumns, losses: infLoss })
    const self = ownNumber(L.forecasters, k)
    if (self !== undefined) inForecastRows.push({ row: k, reference, columns: Int32Array.of(indexOfSorted(inCols, k)), losses: [self] })
  }
  const oneInForecaster = family(previous.oneInForecaster, inForecasterIds, inInferRows, inForecastRows, inCols)

  return { network, naive, oneOutInferer, oneOutForecaster, oneInForecaster }
}
