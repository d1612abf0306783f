/**
 * Regret updates once the network loss bundle of an epoch is known (docs/spec/math.md §4.2;
 * epoch-json §4.2 "regrets", §6.7).
 *
 * Every family is R_new = EMA(α_R, instantaneous, R_prev) with firstTime = false; a pair never
 * stored before starts from the previous `initial_regret`. Regrets of workers absent from this
 * epoch are kept as they were. At 1000 inferers the one-out-inferer family alone holds a
 * million pairs, so this is a hot path: stored values are validated as they are read, and
 * records are written directly in ascending id order.
 */
import { SynthesisError } from './errors.js'
import { checkedIds, emptyRecord, markChecked, mergeSorted, overlaid, ownNumber, recordOf } from './id-map.js'
import { indexOfSorted, positionsIn, sameIds, unionSorted } from './id-matrix.js'
import { chunkOf, departedCol, departedRow, idsWhere, withChunks, withdraw } from './departed-regrets.js'
import { KernelArena } from './kernels/kernels.js'
import { ema } from './stats.js'
import type { DepartedSide, IdMap, IdMatrix, LossBundle, RegretFamily, RegretSet, Regrets } from './types.js'

function stored(value: number, path: string, id: string): number {
  if (!Number.isFinite(value))
    throw new SynthesisError('NON_FINITE', `state.regrets.${path}.${id} is not finite (${value})`)
  return value
}

/** A stored record kept as it was: checked, and rewritten in ascending id order (once). */
function validated(map: IdMap, path: string): IdMap {
  if (checkedIds(map) !== undefined) return map
  const out = emptyRecord<number>()
  const ids = Object.keys(map).sort()
  for (const id of ids) {
    const v: unknown = map[id]
    if (typeof v !== 'number') throw new SynthesisError('INVALID_INPUT', `state.regrets.${path}.${id} must be a number`)
    out[id] = stored(v, path, id)
  }
  markChecked(out, ids)
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
    const values = new Float64Array(ids.length)
    let found = 0
    let allFinite = true
    for (let i = 0; i < ids.length; i++) {
      const prev = ownNumber(previous, ids[i])
      let base = this.initialRegret
      if (prev !== undefined) {
        base = stored(prev, path, ids[i])
        found++
      }
      values[i] = ema(this.alpha, reference - losses[i], base, false)
      allFinite &&= Number.isFinite(values[i])
    }
    const checked = checkedIds(previous)
    if (checked !== undefined) {
      const next = overlaid(previous, checked, ids, values)
      if (allFinite) markChecked(next.record, next.ids)
      return next.record
    }
    // A record from outside the engine: each value carried over is checked as it is copied.
    const out = recordOf(ids, values)
    const previousIds = Object.keys(previous)
    if (previousIds.length === found) {
      if (allFinite) markChecked(out, ids)
      return out
    }
    const extra = previousIds.filter((id) => !Object.hasOwn(out, id)).sort()
    const merged = emptyRecord<number>()
    const mergedIds = mergeSorted(ids, extra)
    for (const id of mergedIds) {
      if (Object.hasOwn(out, id)) {
        merged[id] = out[id]
      } else {
        const v: unknown = previous[id]
        if (typeof v !== 'number')
          throw new SynthesisError('INVALID_INPUT', `state.regrets.${path}.${id} must be a number`)
        merged[id] = stored(v, path, id)
      }
    }
    // Every value carried over was checked above (or before) and every new one is finite.
    if (allFinite) markChecked(merged, mergedIds)
    return merged
  }
}

/** One row's update: EMA towards `reference − losses[i]` for the (ascending) `ids[i]`. */
interface RowUpdate {
  readonly row: string
  readonly reference: number
  readonly ids: readonly string[]
  /** A Float64Array everywhere, so the hot loop reads one array kind. */
  readonly losses: Float64Array
}

type Side = 'inferers' | 'forecasters'

/**
 * One side of a family after an update of `rows` (ascending; the rows this settlement
 * updates): a table over exactly those rows and the ids the updates name, holding what each
 * pair stored before (in the previous table, or in what departed from it) with `updates`
 * applied.
 */
function updatedSide(
  alpha: number,
  initialRegret: number,
  previous: RegretFamily,
  side: Side,
  rows: readonly string[],
  updates: readonly RowUpdate[],
): { table: IdMatrix; departed: DepartedSide } {
  const prev = previous[side]
  let departed = previous.departed[side]
  const pnc = prev.cols.length
  const fromTable = positionsIn(rows, prev.rows)
  let cols: readonly string[] = []
  const seen = new Set<readonly string[]>()
  for (const u of updates) {
    if (seen.has(u.ids)) continue
    seen.add(u.ids)
    cols = unionSorted(cols, u.ids)
  }
  // The usual epoch: the same rows and columns as before: a copy.
  if (sameIds(rows, prev.rows) && sameIds(cols, prev.cols))
    return {
      table: applied(alpha, initialRegret, rows, cols, (values) => values.set(prev.values), 0, updates),
      departed,
    }
  const nc = cols.length
  const colAt = positionsIn(prev.cols, cols)
  const colFrom = positionsIn(cols, prev.cols)
  const held = (values: Float64Array, arena: KernelArena): void => {
    values.fill(Number.NaN)
    // An absent value is NaN in both tables, so kept rows are moved as they lie.
    const src = arena.f64(prev.values.length)
    src.set(prev.values)
    const rowsFrom = arena.i32(rows.length)
    rowsFrom.set(fromTable)
    const colsTo = arena.i32(pnc)
    colsTo.set(colAt)
    arena.remapRows(values, nc, src, pnc, rowsFrom, colsTo)
    // Pairs new to the table (a row or a column that was not in it) that may have left before
    // come back from what departed, and leave it.
    const allCols = idsWhere(cols, (id) => departedCol(departed, id))
    const newRows = idsWhere(rows, (id, r) => fromTable[r] < 0 && departedRow(departed, id))
    departed = withdraw(departed, newRows.ids, newRows.positions, allCols.ids, allCols.positions, values, nc)
    const keptRows = idsWhere(rows, (id, r) => fromTable[r] >= 0 && departedRow(departed, id))
    const newCols = idsWhere(cols, (id, c) => colFrom[c] < 0 && departedCol(departed, id))
    departed = withdraw(departed, keptRows.ids, keptRows.positions, newCols.ids, newCols.positions, values, nc)
  }
  const heldDoubles = prev.values.length + Math.ceil(rows.length / 2) + Math.ceil(pnc / 2)
  const table = applied(alpha, initialRegret, rows, cols, held, heldDoubles, updates)
  return { table, departed }
}

/**
 * Where the updates are applied: the table's values, and each distinct column list and loss
 * vector once (the one-out-inferer family has a million entries at 1000 inferers, and the
 * kernel does them ~5× faster than a JS loop). Kept between settlements.
 */
let regretArena: KernelArena | undefined

/**
 * The table over `rows` × `cols` whose values `held` writes (every entry: what the rows
 * stored before, NaN where nothing; it may take `heldDoubles` of the arena for scratch),
 * with the EMA of every update applied. The values are
 * built in the arena (its memory is reused; a fresh 8 MB array costs milliseconds of page
 * faults) and copied out once.
 */
function applied(
  alpha: number,
  initialRegret: number,
  rows: readonly string[],
  cols: readonly string[],
  held: (values: Float64Array, arena: KernelArena) => void,
  heldDoubles: number,
  updates: readonly RowUpdate[],
): IdMatrix {
  const nc = cols.length
  const columns = new Map<readonly string[], Int32Array>()
  const losses = new Set<Float64Array>()
  let doubles = rows.length * nc + heldDoubles
  for (const u of updates) {
    if (!columns.has(u.ids)) {
      const at = positionsIn(u.ids, cols)
      columns.set(u.ids, at)
      doubles += Math.ceil(at.length / 2)
    }
    if (!losses.has(u.losses)) {
      losses.add(u.losses)
      doubles += u.losses.length
    }
  }
  const arena = (regretArena ??= new KernelArena())
  arena.begin(doubles)
  const values = arena.f64(rows.length * nc)
  held(values, arena)
  const columnsIn = new Map<readonly string[], Int32Array>()
  // Updates that cover a row's first columns in order (the usual one-out row) go two at a time.
  const consecutive = new Set<readonly string[]>()
  for (const [ids, at] of columns) {
    if (at.every((c, i) => c === i)) consecutive.add(ids)
    const view = arena.i32(at.length)
    view.set(at)
    columnsIn.set(ids, view)
  }
  const lossesIn = new Map<Float64Array, Float64Array>()
  for (const l of losses) {
    const view = arena.f64(l.length)
    view.set(l)
    lossesIn.set(l, view)
  }
  for (const u of updates) {
    const r = indexOfSorted(rows, u.row)
    const rowLosses = lossesIn.get(u.losses) as Float64Array
    if (consecutive.has(u.ids)) arena.emaRow(values, r * nc, rowLosses, u.reference, alpha, initialRegret)
    else
      arena.emaUpdate(values, r * nc, columnsIn.get(u.ids) as Int32Array, rowLosses, u.reference, alpha, initialRegret)
  }
  return { rows, cols, values: values.slice() }
}

/**
 * A family after updating `rows`: they and the ids their updates name form the new tables.
 * What leaves the tables is kept in new chunks of `departed` (departed-regrets.ts): the rows
 * not updated with their whole rows, and the columns not named again with the rows that stay.
 */
function updatedFamily(
  alpha: number,
  initialRegret: number,
  previous: RegretFamily,
  rows: readonly string[],
  inferUpdates: readonly RowUpdate[],
  forecastUpdates: readonly RowUpdate[],
): RegretFamily {
  const inferers = updatedSide(alpha, initialRegret, previous, 'inferers', rows, inferUpdates)
  const forecasters = updatedSide(alpha, initialRegret, previous, 'forecasters', rows, forecastUpdates)
  const prevRows = previous.inferers.rows
  const stay: number[] = []
  const go: number[] = []
  for (let r = 0; r < prevRows.length; r++) (indexOfSorted(rows, prevRows[r]) >= 0 ? stay : go).push(r)
  const departedSide = (side: Side, next: { table: IdMatrix; departed: DepartedSide }): DepartedSide => {
    const prev = previous[side]
    const gone: number[] = []
    const at = positionsIn(prev.cols, next.table.cols)
    for (let c = 0; c < at.length; c++) if (at[c] < 0) gone.push(c)
    return withChunks(next.departed, [
      go.length > 0 ? chunkOf(prev, go, undefined) : undefined,
      stay.length > 0 && gone.length > 0 ? chunkOf(prev, stay, gone) : undefined,
    ])
  }
  return {
    inferers: inferers.table,
    forecasters: forecasters.table,
    departed: { inferers: departedSide('inferers', inferers), forecasters: departedSide('forecasters', forecasters) },
  }
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
  const family = (
    prev: RegretFamily,
    rows: readonly string[],
    inferUpdates: RowUpdate[],
    forecastUpdates: RowUpdate[],
  ): RegretFamily => updatedFamily(alpha, initialRegret, prev, rows, inferUpdates, forecastUpdates)

  // One-out inferer l: L⁻_li − L_ij for every inferer j (j = l included), and
  // L⁻_li − L⁻_lik for every forecaster k whose forecast was recomputed without l.
  const outInfererIds = Object.keys(L.oneOutInferers).sort()
  const recomputed = L.oneOutInfererForecasters
  const withheldAt = positionsIn(outInfererIds, recomputed.cols)
  const nk = recomputed.rows.length
  const nl = recomputed.cols.length
  const outInfererRows: RowUpdate[] = []
  const outInfererForecastRows: RowUpdate[] = []
  for (let i = 0; i < outInfererIds.length; i++) {
    const l = outInfererIds[i]
    const reference = L.oneOutInferers[l]
    outInfererRows.push({ row: l, reference, ids: inferers, losses: infLoss })
    const c = withheldAt[i]
    if (c < 0) continue
    const column = new Float64Array(nk)
    let present = 0
    for (let k = 0; k < nk; k++) if ((column[k] = recomputed.values[k * nl + c]) === column[k]) present++
    if (present === nk) {
      // Every forecaster was recomputed without l (the usual case): the table's own row ids,
      // one list shared by every l.
      outInfererForecastRows.push({ row: l, reference, ids: recomputed.rows, losses: column })
    } else if (present > 0) {
      const ks: string[] = []
      const withoutL = new Float64Array(present)
      for (let k = 0; k < nk; k++) {
        if (column[k] !== column[k]) continue
        withoutL[ks.length] = column[k]
        ks.push(recomputed.rows[k])
      }
      outInfererForecastRows.push({ row: l, reference, ids: ks, losses: withoutL })
    }
  }
  const oneOutInferer = family(previous.oneOutInferer, outInfererIds, outInfererRows, outInfererForecastRows)

  // One-out forecaster k': L⁻_k'i − L_ij and L⁻_k'i − L_ik (k = k' included).
  const outForecasterIds = Object.keys(L.oneOutForecasters).sort()
  const oneOutForecaster = family(
    previous.oneOutForecaster,
    outForecasterIds,
    outForecasterIds.map((k) => ({ row: k, reference: L.oneOutForecasters[k], ids: inferers, losses: infLoss })),
    outForecasterIds.map((k) => ({ row: k, reference: L.oneOutForecasters[k], ids: forecasters, losses: fcLoss })),
  )

  // One-in forecaster k: L⁺_ki − L_ij, and the self regret L⁺_ki − L_ik (needs L_ik).
  const inForecasterIds = Object.keys(L.oneInForecasters).sort()
  const selfRows: RowUpdate[] = []
  for (const k of inForecasterIds) {
    const self = ownNumber(L.forecasters, k)
    if (self !== undefined)
      selfRows.push({ row: k, reference: L.oneInForecasters[k], ids: [k], losses: Float64Array.of(self) })
  }
  const oneInForecaster = family(
    previous.oneInForecaster,
    inForecasterIds,
    inForecasterIds.map((k) => ({ row: k, reference: L.oneInForecasters[k], ids: inferers, losses: infLoss })),
    selfRows,
  )

  return { network, naive, oneOutInferer, oneOutForecaster, oneInForecaster }
}
