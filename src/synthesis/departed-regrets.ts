/**
 * What left a regret family's tables. docs/spec/math.md §4.2 keeps the regrets of absent workers for
 * good; the tables hold only the rows and columns of the last settlement, and every value that
 * leaves them is kept in a dense chunk (an IdMatrix, NaN where no value):
 *
 * - rows that leave take their whole row along (a chunk of those rows × the table's columns);
 * - columns that leave while their rows stay leave a chunk of those rows × those columns.
 *
 * A pair can only change while it is in the table, and it leaves the table only with its row
 * or its column, which writes its current value into a new chunk; when it comes back into the
 * table its value leaves the chunk (`withdraw`: a chunk is replaced by a smaller copy), so
 * every pair is kept in one place only and a worker that misses every other epoch leaves
 * nothing behind. An epoch costs what comes and goes, not every worker that ever left (the
 * tables used to keep a column for each of those as long as any of their rows held one: 2,900
 * columns for 300 inferers after 200 epochs of churn, all copied every epoch).
 */
import { indexOfSorted, unionSorted } from './id-matrix.js'
import type { DepartedSide, IdMatrix } from './types.js'

export const NOTHING_DEPARTED: DepartedSide = Object.freeze({
  chunks: Object.freeze([]),
  rows: Object.freeze([]),
  cols: Object.freeze([]),
})

/**
 * Sides and chunks known to be sound (values finite or NaN, ids ascending, unions holding
 * every id of the chunks): checked once (regret-family.ts), or built here from sound parts. A
 * side can gain a chunk or two every epoch, for good, so checking it whole again each epoch
 * would cost every epoch more than the last.
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
export function chunkOf(
  table: IdMatrix,
  rowAt: readonly number[],
  colAt: readonly number[] | undefined,
): IdMatrix | undefined {
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
  derived(out, side, [], added)
  return out
}

/** How a side was built from another: chunks taken out and put in (for digests kept per side). */
export interface Derivation {
  readonly parent: DepartedSide
  readonly removed: readonly IdMatrix[]
  readonly added: readonly IdMatrix[]
}

/**
 * Held weakly: a side must not keep every side before it, and every chunk withdrawn since, alive
 * (a node keeps the state of the last block, and a derivation is only of use while its parent
 * is still around).
 */
interface WeakDerivation {
  readonly parent: WeakRef<DepartedSide>
  readonly removed: readonly WeakRef<IdMatrix>[]
  readonly added: readonly IdMatrix[]
}

const DERIVED = new WeakMap<DepartedSide, WeakDerivation>()

function derived(
  out: DepartedSide,
  parent: DepartedSide,
  removed: readonly IdMatrix[],
  added: readonly IdMatrix[],
): void {
  DERIVED.set(out, { parent: new WeakRef(parent), removed: removed.map((c) => new WeakRef(c)), added })
}

/** How `side` was built from another side here, if it was and that side and its chunks are still around. */
export function derivationOf(side: DepartedSide): Derivation | undefined {
  const d = DERIVED.get(side)
  const parent = d?.parent.deref()
  if (d === undefined || parent === undefined) return undefined
  const removed: IdMatrix[] = []
  for (const ref of d.removed) {
    const chunk = ref.deref()
    if (chunk === undefined) return undefined
    removed.push(chunk)
  }
  return { parent, removed, added: d.added }
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
 * Every value a chunk holds at a row of `rowIds` × a column of `colIds` (both ascending),
 * newest chunk first: `take(k, at, i, j)` for the value at `at` of chunk k, row `rowIds[i]`,
 * column `colIds[j]`. Under the rule that every pair is kept in one place, each pair comes
 * at most once.
 */
function eachHeld(
  side: DepartedSide,
  rowIds: readonly string[],
  colIds: readonly string[],
  take: (k: number, at: number, i: number, j: number) => void,
): void {
  if (rowIds.length === 0 || colIds.length === 0) return
  for (let k = side.chunks.length - 1; k >= 0; k--) {
    const chunk = side.chunks[k]
    const rows = common(rowIds, chunk.rows)
    if (rows.length === 0) continue
    const cols = common(colIds, chunk.cols)
    const nc = chunk.cols.length
    for (const [i, cr] of rows) {
      for (const [j, cc] of cols) {
        const at = cr * nc + cc
        if (chunk.values[at] === chunk.values[at]) take(k, at, i, j)
      }
    }
  }
}

/**
 * Into `into` (row-major, `stride` apart), at row `rowPositions[i]` and column
 * `colPositions[j]`, the departed value of row `rowIds[i]` × column `colIds[j]` where there is
 * one. Only ids that some chunk holds need asking: callers leave the others out.
 */
export function recall(
  side: DepartedSide,
  rowIds: readonly string[],
  rowPositions: readonly number[],
  colIds: readonly string[],
  colPositions: readonly number[],
  into: Float64Array,
  stride: number,
): void {
  eachHeld(side, rowIds, colIds, (k, at, i, j) => {
    into[rowPositions[i] * stride + colPositions[j]] = side.chunks[k].values[at]
  })
}

/**
 * `recall` for pairs that go back into a table: their values also leave the chunks (a chunk
 * holding one is replaced by a copy without it, rows and columns left empty dropped). Returns
 * the side without them.
 */
export function withdraw(
  side: DepartedSide,
  rowIds: readonly string[],
  rowPositions: readonly number[],
  colIds: readonly string[],
  colPositions: readonly number[],
  into: Float64Array,
  stride: number,
): DepartedSide {
  const left = new Map<number, Float64Array>()
  eachHeld(side, rowIds, colIds, (k, at, i, j) => {
    const values = side.chunks[k].values
    into[rowPositions[i] * stride + colPositions[j]] = values[at]
    let rest = left.get(k)
    if (rest === undefined) left.set(k, (rest = values.slice()))
    rest[at] = Number.NaN
  })
  if (left.size === 0) return side
  const removed: IdMatrix[] = []
  const added: IdMatrix[] = []
  const chunks: IdMatrix[] = []
  side.chunks.forEach((chunk, k) => {
    const rest = left.get(k)
    const kept = rest === undefined ? chunk : nonEmpty(chunk.rows, chunk.cols, rest)
    if (kept !== chunk) {
      removed.push(chunk)
      if (kept !== undefined) added.push(kept)
    }
    if (kept !== undefined) chunks.push(kept)
  })
  const out = { chunks, rows: side.rows, cols: side.cols }
  if (SOUND.has(side)) {
    SOUND.add(out)
    for (const c of added) SOUND.add(c)
  }
  derived(out, side, removed, added)
  return out
}

/** The chunk `rows` × `cols` of `values` without its rows and columns that hold no value, or undefined if none does. */
function nonEmpty(rows: readonly string[], cols: readonly string[], values: Float64Array): IdMatrix | undefined {
  const nc = cols.length
  const rowAt: number[] = []
  const colHeld = new Uint8Array(nc)
  for (let r = 0; r < rows.length; r++) {
    let held = false
    for (let c = 0; c < nc; c++) {
      if (values[r * nc + c] === values[r * nc + c]) {
        held = true
        colHeld[c] = 1
      }
    }
    if (held) rowAt.push(r)
  }
  if (rowAt.length === 0) return undefined
  const colAt: number[] = []
  for (let c = 0; c < nc; c++) if (colHeld[c] === 1) colAt.push(c)
  if (rowAt.length === rows.length && colAt.length === nc) return { rows, cols, values }
  const out = new Float64Array(rowAt.length * colAt.length)
  for (let i = 0; i < rowAt.length; i++)
    for (let j = 0; j < colAt.length; j++) out[i * colAt.length + j] = values[rowAt[i] * nc + colAt[j]]
  return { rows: rowAt.map((r) => rows[r]), cols: colAt.map((c) => cols[c]), values: out }
}

/** The ids of `ids` (ascending) that `keep` accepts, with their positions. */
export function idsWhere(
  ids: readonly string[],
  keep: (id: string, i: number) => boolean,
): { ids: string[]; positions: number[] } {
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
