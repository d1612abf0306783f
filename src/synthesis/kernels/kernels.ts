/**
 * The settle step's bulk kernels (kernels.wat) behind a typed arena: one WebAssembly instance
 * with its own memory, where the loss matrix and its derived vectors live so the kernels read
 * them in place.
 *
 * An arena hands out views with a bump allocator inside a reservation made up front
 * (`begin`); an allocation past the reservation is a programming error. Views are valid
 * until the next `begin` on the same arena.
 *
 * A reservation larger than the memory gets a new, larger memory (and an instance of the
 * kernels on it), never `memory.grow`: growing detaches the memory's old ArrayBuffer, and the
 * first detached ArrayBuffer in a process makes V8 give up an assumption (its "array buffer
 * detaching protector") that every optimised loop over a typed array relies on, everywhere in
 * the process. Measured on Node 20: the synthesize step ran 10–40% slower in some runs once
 * that had happened.
 */
import { SynthesisError } from '../errors.js'
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js'

interface KernelExports {
  countInRange(p: number, n: number, lo: number, hi: number): number
  consensus(
    values: number,
    stakes: number,
    r: number,
    n: number,
    out: number,
    acc: number,
    dist: number,
    lo: number,
    hi: number,
  ): number
  gram(table: number, K: number, count: number, centred: number, acc: number, out: number): void
  emaUpdate(
    v: number,
    at: number,
    losses: number,
    n: number,
    reference: number,
    alpha: number,
    initial: number,
    limit: number,
  ): number
  emaContiguous(v: number, losses: number, n: number, reference: number, alpha: number, initial: number): void
  remapRows(dst: number, nc: number, src: number, pnc: number, rowsFrom: number, rows: number, colAt: number): void
}

const PAGE = 65536
/** A 32-bit WebAssembly memory holds at most 4 GiB. */
const MAX_PAGES = 65536
let compiled: WebAssembly.Module | undefined

function kernelModule(): WebAssembly.Module {
  if (compiled === undefined) {
    // atob, not Buffer: the synthesis engine stays free of Node-only APIs.
    const text = atob(KERNELS_WASM_BASE64)
    const bytes = new Uint8Array(text.length)
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
    compiled = new WebAssembly.Module(bytes)
  }
  return compiled
}

export class KernelArena {
  private memory: WebAssembly.Memory
  private k: KernelExports
  /** Bytes reserved by the last `begin`, and the next free byte. */
  private limit = 0
  private next = 0

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1 })
    this.k = KernelArena.instance(this.memory)
  }

  private static instance(memory: WebAssembly.Memory): KernelExports {
    return new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports as unknown as KernelExports
  }

  /** Starts a new set of allocations of at most `doubles` f64 in total (views of the previous set become invalid). */
  begin(doubles: number): void {
    const bytes = doubles * 8
    if (bytes > this.memory.buffer.byteLength) {
      // A quarter more than asked, so a run of slowly growing epochs does not replace it each time.
      const pages = Math.min(MAX_PAGES, Math.ceil((bytes * 1.25) / PAGE))
      if (pages * PAGE < bytes)
        throw new SynthesisError(
          'INVALID_INPUT',
          `the epoch is too large: its kernels need ${bytes} bytes of WebAssembly memory, more than 4 GiB`,
        )
      try {
        this.memory = new WebAssembly.Memory({ initial: pages })
      } catch {
        throw new SynthesisError(
          'INVALID_INPUT',
          `the epoch is too large: its kernels need ${bytes} bytes of WebAssembly memory, more than this engine allows`,
        )
      }
      this.k = KernelArena.instance(this.memory)
    }
    this.limit = bytes
    this.next = 0
  }

  /** `length` f64 from the reservation; whatever the last user left there (every caller writes all of it). */
  f64(length: number): Float64Array {
    const start = this.next
    const end = start + length * 8
    if (end > this.limit) throw new Error(`kernel arena: ${length} f64 past the reservation of ${this.limit} bytes`)
    this.next = end
    return new Float64Array(this.memory.buffer, start, length)
  }

  /** `length` i32 from the reservation (as f64 slots, keeping the next allocation aligned). */
  i32(length: number): Int32Array {
    const slots = this.f64(Math.ceil(length / 2))
    return new Int32Array(slots.buffer, slots.byteOffset, length)
  }

  /**
   * §4.2 on one row of a table: for each i, entry `rowBase + at[i]` of `values` becomes
   * EMA(α, reference − losses[i], the entry, or `initial` where it is NaN) (stats.ts ema()).
   * The kernel checks every column against the table's end.
   */
  emaUpdate(
    values: Float64Array,
    rowBase: number,
    at: Int32Array,
    losses: Float64Array,
    reference: number,
    alpha: number,
    initial: number,
  ): void {
    if (at.length !== losses.length) throw new Error('kernel arena: emaUpdate needs a loss per column')
    if (!(rowBase >= 0 && rowBase <= values.length))
      throw new Error(`kernel arena: emaUpdate row start ${rowBase} outside the table`)
    const status = this.k.emaUpdate(
      this.pointer(values) + rowBase * 8,
      this.pointer(at),
      this.pointer(losses),
      at.length,
      reference,
      alpha,
      initial,
      values.length - rowBase,
    )
    if (status !== 0) throw new Error('kernel arena: emaUpdate column outside the table')
  }

  /** emaUpdate of the row's first `losses.length` columns, in order (two entries per instruction). */
  emaRow(
    values: Float64Array,
    rowBase: number,
    losses: Float64Array,
    reference: number,
    alpha: number,
    initial: number,
  ): void {
    if (!(rowBase >= 0 && rowBase + losses.length <= values.length))
      throw new Error(`kernel arena: emaRow of ${losses.length} from ${rowBase} outside the table`)
    this.k.emaContiguous(
      this.pointer(values) + rowBase * 8,
      this.pointer(losses),
      losses.length,
      reference,
      alpha,
      initial,
    )
  }

  /**
   * Rows of `src` (pnc columns) moved onto a table of nc columns: new row r takes old row
   * rowsFrom[r] (−1: none), old column c goes to colAt[c] (−1: dropped). Other entries of
   * `dst` are left as they are.
   */
  remapRows(
    dst: Float64Array,
    nc: number,
    src: Float64Array,
    pnc: number,
    rowsFrom: Int32Array,
    colAt: Int32Array,
  ): void {
    const rows = rowsFrom.length
    if (dst.length < rows * nc || colAt.length !== pnc) throw new Error('kernel arena: remapRows shapes do not match')
    for (const p of rowsFrom)
      if (p >= 0 && (p + 1) * pnc > src.length)
        throw new Error(`kernel arena: remapRows source row ${p} outside the table`)
    for (const c of colAt) if (c >= nc) throw new Error(`kernel arena: remapRows column ${c} outside the table`)
    this.k.remapRows(this.pointer(dst), nc, this.pointer(src), pnc, this.pointer(rowsFrom), rows, this.pointer(colAt))
  }

  /** The allocation point, to `release` back to: what was allocated after it becomes free again. */
  mark(): number {
    return this.next
  }

  release(mark: number): void {
    if (mark > this.next) throw new Error('kernel arena: release past the allocation point')
    this.next = mark
  }

  /** How many values of `v` are not NaN, or -1 if one lies outside [lo, hi] (±Infinity too, for finite bounds). */
  countInRange(v: Float64Array, lo: number, hi: number): number {
    return this.k.countInRange(this.pointer(v), v.length, lo, hi)
  }

  /**
   * §3.1 per coordinate of the r × n row-major `values` (NaN skipped, rows ascending), into
   * `out`; and each row's squared distance to it, into `distances` (Σ over coordinates in two lanes,
   * even and odd, then added; meaningful when no value is NaN). Every value is checked as it is
   * read: returns -1 if one that is not NaN lies outside [lo, hi] (±Infinity too, for finite
   * bounds; `out` and `distances` are then meaningless), else how many values are NaN.
   * Takes 2·r f64 of scratch from the reservation.
   */
  consensus(
    values: Float64Array,
    stakes: Float64Array,
    r: number,
    n: number,
    out: Float64Array,
    distances: Float64Array,
    lo = -Infinity,
    hi = Infinity,
  ): number {
    if (values.length < r * n || stakes.length < r || out.length < n || distances.length < r)
      throw new Error('kernel arena: consensus shapes do not match')
    const mark = this.mark()
    const acc = this.f64(2 * r)
    const status = this.k.consensus(
      this.pointer(values),
      this.pointer(stakes),
      r,
      n,
      this.pointer(out),
      acc.byteOffset,
      this.pointer(distances),
      lo,
      hi,
    )
    this.release(mark)
    return status
  }

  /**
   * The Gram matrix (K × K, row-major) of `rows` (equal lengths); the first `centred` rows
   * are first centred in place on the last row. Allocates its scratch from the reservation:
   * 2·K² + K/2 + 1 f64.
   */
  gram(rows: readonly Float64Array[], centred: number): Float64Array {
    const K = rows.length
    const count = rows[0].length
    if (!(Number.isInteger(centred) && centred >= 0 && centred < K))
      throw new Error(`kernel arena: gram centres 0 to K − 1 rows on its last one (got ${centred} of ${K})`)
    const table = this.f64(Math.ceil(K / 2))
    const pointers = new Int32Array(table.buffer, table.byteOffset, K)
    for (let i = 0; i < K; i++) {
      if (rows[i].length !== count) throw new Error('kernel arena: gram rows differ in length')
      pointers[i] = this.pointer(rows[i])
    }
    const acc = this.f64(2 * K * K)
    const out = this.f64(K * K)
    this.k.gram(table.byteOffset, K, count, centred, acc.byteOffset, out.byteOffset)
    return out
  }

  /** Doubles the Gram of K rows needs from the reservation. */
  static gramDoubles(K: number): number {
    return Math.ceil(K / 2) + 3 * K * K
  }

  /**
   * A view's offset, if it lies in this arena's memory below the allocation point. (A view
   * kept from before the last `begin` that did not replace the memory still passes when it lies
   * where the new set has allocated: callers keep views only within one set.)
   */
  private pointer(v: Float64Array | Int32Array): number {
    if (v.buffer !== this.memory.buffer)
      throw new Error('kernel arena: a view from another memory (or from before the last begin)')
    if (v.byteOffset + v.byteLength > this.next)
      throw new Error('kernel arena: a view past the allocation point (released, or from before the last begin)')
    return v.byteOffset
  }
}
