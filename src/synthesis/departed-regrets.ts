/**
 * What left a regret family's tables. allora-math §4.2 keeps the regrets of absent workers for
 * good; the tables hold only the rows and columns of the last settlement, and every value that
 * leaves them is kept in a dense chunk (an IdMatrix, NaN where no value), appended oldest
 * first and never changed again:
 *
 * - rows that leave take their whole row along (a chunk of those rows × the table's columns);
 * - columns that leave while their rows stay leave a chunk of those rows × those columns.
 *
 * A pair can only change while it is in the table, and it leaves the table only with its row
 * or its column, which writes its current value into a new chunk. So the newest chunk holding a
 * pair holds its current value, and older copies are never read. An epoch costs what comes and
 * goes, not every worker that ever left (the tables used to keep a column for each of those
 * as long as any of their rows held one: 2,900 columns for 300 inferers after 200 epochs of
 * churn, all copied every epoch).
 */
import { indexOfSorted, unionSorted } from './id-matrix.js'
import type { DepartedSide, IdMatrix } from './types.js'


export const NOTHING_DEPARTED: DepartedSide = Object.freeze({ chunks: Object.freeze([]), rows: Object.freeze([]), cols: Object.freeze([]) })

/**
 * Sides and chunks known to be sound (values finite or NaN, ids ascending, unions exact):
 * checked once (regret-family.ts), or built here from sound parts. A side grows by a chunk or
 * two every epoch, for good, so checking it whole again each epoch would cost every epoch
 * more than the last.
 */
const SOUND = new WeakSet<object>([NOTHING_DEPARTED])

export function isSound(x: object): boolean {
  return SOUND.has(x)
}

export function markSound(x: object): void {
  SOUND.add(x)
}

/**
 * The chunk of `table` at rows `rowAt` × columns `colAt` (indices, ascending; undefined: every
 * column), or undefined when it holds no value. The settle step takes chunks only from the
 * tables of a state it has checked, so a chunk is sound.
 */
export function chunkOf(table: IdMatrix, rowAt: readonly number[], colAt: readonly number[] | undefined): IdMatrix | undefined {
  const pnc = table.cols.length
  const cols = colAt === undefined ? table.cols : colAt.map((c) => table.cols[c])
  const nc = cols.length
  const values = new Float64Array(rowAt.length * nc)
  let held = 0
  for (let i = 0; i < rowAt.length; i++) {
    const from = rowAt[i] * pnc
    for (let j = 0; j < nc; j++) {
      const v = table.values[from + (colAt === undefined ? j : colAt[j])]
      values[i * nc + j] = v
      if (v === v) held++
    }
  }
  if (held === 0) return undefined
  const chunk = { rows: rowAt.map((r) => table.rows[r]), cols, values }
  SOUND.add(chunk)
  return chunk
}

/** `side` with `chunks` appended (the ones that are undefined left out). */
export function withChunks(side: DepartedSide, chunks: readonly (IdMatrix | undefined)[]): DepartedSide {
  const added = chunks.filter((c): c is IdMatrix => c !== undefined)
  if (added.length === 0) return side
  let rows = side.rows
  let cols = side.cols
  for (const c of added) {
    rows = unionSorted(rows, c.rows)
    cols = unionSorted(cols, c.cols)
  }
  const out = { chunks: [...side.chunks, ...added], rows, cols }
  if (SOUND.has(side) && added.every((c) => SOUND.has(c))) SOUND.add(out)
  PARENTS.set(out, side)
  return out
}

/** The side each side was appended to (so a digest over a side's chunks can start from its parent's). */
const PARENTS = new WeakMap<DepartedSide, DepartedSide>()

/** The side `side` was built from by appending chunks, if it was built so. */
export function parentOf(side: DepartedSide): DepartedSide | undefined {
  return PARENTS.get(side)
}

/** Pairs (index in `few`, index in `many`) of the ids both ascending lists hold. */
function common(few: readonly string[], many: readonly string[]): [number, number][] {
  const out: [number, number][] = []
  if (few.length > many.length) {
    for (const [m, f] of common(many, few)) out.push([f, m])
    return out
  }
  for (let i = 0; i < few.length; i++) {
    const at = indexOfSorted(many, few[i])
    if (at >= 0) out.push([i, at])
  }
  return out
}

/**
 * For every pair of a row in `rowIds` × a column in `colIds` (both ascending) whose entry of
 * `into` (row-major, `stride` apart, from `offset`) is still NaN, the newest departed value, if
 * any. Only ids that some chunk holds need asking: callers pass the others' positions out.
 */
export function recall(side: DepartedSide, rowIds: readonly string[], rowPositions: readonly number[], colIds: readonly string[], colPositions: readonly number[], into: Float64Array, stride: number): void {
  if (rowIds.length === 0 || colIds.length === 0) return
  for (let k = side.chunks.length - 1; k >= 0; k--) {
    const chunk = side.chunks[k]
    const rows = common(rowIds, chunk.rows)
    if (rows.length === 0) continue
    const cols = common(colIds, chunk.cols)
    const nc = chunk.cols.length
    for (const [i, cr] of rows) {
      const base = rowPositions[i] * stride
      for (const [j, cc] of cols) {
        const v = chunk.values[cr * nc + cc]
        const at = base + colPositions[j]
        if (v === v && into[at] !== into[at]) into[at] = v
      }
    }
  }
}

/** The ids of `ids` (ascending) that `keep` accepts, with their positions. */
export function idsWhere(ids: readonly string[], keep: (id: string, i: number) => boolean): { ids: string[]; positions: number[] } {
  const out: { ids: string[]; positions: number[] } = { ids: [], positions: [] }
  for (let i = 0; i < ids.length; i++) {
    if (!keep(ids[i], i)) continue
    out.ids.push(ids[i])
    out.positions.push(i)
  }
  return out
}

/** Whether some chunk holds row `id` / column `id`. */
export function departedRow(side: DepartedSide, id: string): boolean {
  return indexOfSorted(side.rows, id) >= 0
}

export function departedCol(side: DepartedSide, id: string): boolean {
  return indexOfSorted(side.cols, id) >= 0
}
