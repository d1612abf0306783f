import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KERNELS_WASM_BASE64 } from '../../../src/synthesis/kernels/kernels-wasm.js'
import { KernelArena } from '../../../src/synthesis/kernels/kernels.js'
import { ema } from '../../../src/synthesis/stats.js'
import { assembleKernels } from '../../../scripts/assemble-kernels.js'

/** Two-lane sum as the kernels define it: even coordinates, odd ones, each ascending, then added. */
function laneSum(n: number, term: (t: number) => number): number {
  let even = 0
  let odd = 0
  for (let t = 0; t < n; t++) {
    if (t % 2 === 0) even += term(t)
    else odd += term(t)
  }
  return even + odd
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`entry ${i}: ${a[i]} vs ${b[i]}`)
}

/** Seeded values with a spread of magnitudes and signs (log10 losses, centred values). */
function values(seed: number, n: number): number[] {
  let s = seed >>> 0 || 1
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0
    out.push(((s / 2 ** 32) * 2 - 1) * 10 ** ((s % 7) - 3))
  }
  return out
}

/** The consensus kernel on an r × n matrix of seeded values (`edit` may blank some), stakes ≥ 0.5. */
function consensusCase(r: number, n: number, seed: number, edit?: (m: Float64Array) => void) {
  const arena = new KernelArena()
  arena.begin(r * n + 4 * r + n)
  const m = arena.f64(r * n)
  const stakes = arena.f64(r)
  const out = arena.f64(n)
  const distances = arena.f64(r)
  m.set(values(seed, r * n))
  stakes.set(values(seed + 1, r).map((x) => Math.abs(x) + 0.5))
  edit?.(m)
  const status = arena.consensus(m, stakes, r, n, out, distances)
  return { m, stakes, out, distances, status, arena }
}

describe('settle kernels (WebAssembly)', () => {
  it('the embedded binary is the assembled kernels.wat (run npm run build:kernels after editing it)', async () => {
    const bytes = await assembleKernels()
    expect(Buffer.from(KERNELS_WASM_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true)
  })

  it('countInRange counts non-NaN values and flags one outside the range anywhere, tail included', () => {
    const arena = new KernelArena()
    for (const n of [0, 1, 2, 7, 8, 1001]) {
      arena.begin(n)
      const v = arena.f64(n)
      v.set(values(n + 1, n))
      for (let i = 0; i < n; i += 3) v[i] = Number.NaN
      const expected = Array.from(v).filter((x) => x === x).length
      expect(arena.countInRange(v, -1e4, 1e4)).toBe(expected)
      expect(arena.countInRange(v, -Number.MAX_VALUE, Number.MAX_VALUE)).toBe(expected)
      if (n > 0) {
        for (const at of [0, n - 1]) {
          const old = v[at]
          for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 10000.000000000002, -11000]) {
            v[at] = bad
            expect(arena.countInRange(v, -1e4, 1e4)).toBe(-1)
          }
          v[at] = 1e4
          expect(arena.countInRange(v, -1e4, 1e4)).toBe(expected + (old === old ? 0 : 1))
          v[at] = old
        }
      }
    }
  })

  it('consensus has the bits of the scalar §3.1 loop, NaN skipped, NaN where no row reports', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 41 }), fc.integer(), (r, n, seed) => {
        const { m, stakes, out } = consensusCase(r, n, seed, (m) => {
          for (let i = 0; i < r * n; i++) if ((i * 7 + seed) % 5 === 0) m[i] = Number.NaN
          for (let mm = 0; mm < r; mm++) m[mm * n + (n - 1)] = Number.NaN
        })
        const expected: number[] = []
        for (let j = 0; j < n; j++) {
          let num = 0
          let den = 0
          for (let mm = 0; mm < r; mm++) {
            const v = m[mm * n + j]
            if (v !== v) continue
            num += stakes[mm] * v
            den += stakes[mm]
          }
          expected.push(den > 0 ? num / den : Number.NaN)
        }
        sameBits(out, expected)
        expect(out[n - 1]).toBeNaN()
      }),
      { numRuns: 200 },
    )
  })

  it('consensus counts the NaN values it reads, or flags one outside [lo, hi] anywhere (odd last coordinate included)', () => {
    for (const [r, n] of [
      [1, 1],
      [2, 3],
      [3, 8],
      [5, 101],
    ] as const) {
      for (const seed of [1, 2, 3]) {
        let blanks = 0
        const { m, stakes, out, distances, status, arena } = consensusCase(r, n, seed * 7 + n, (m) => {
          for (let i = 0; i < m.length; i++) if ((i * 13 + seed) % 5 === 0) m[i] = Number.NaN
        })
        for (let i = 0; i < m.length; i++) if (m[i] !== m[i]) blanks++
        expect(status).toBe(blanks)
        // Every seeded value lies in [−1e4, 1e4]; the zero lane read past an odd row is no value.
        expect(arena.consensus(m, stakes, r, n, out, distances, -1e4, 1e4)).toBe(blanks)
        expect(arena.consensus(m, stakes, r, n, out, distances, 1e-300, 1e4)).toBe(m.some((v) => v <= 0) ? -1 : blanks)
        for (const at of [0, m.length - 1, Math.floor(m.length / 2)]) {
          const kept = m[at]
          for (const bad of [1e5, -Infinity, Infinity]) {
            m[at] = bad
            expect(arena.consensus(m, stakes, r, n, out, distances, -1e4, 1e4)).toBe(-1)
          }
          m[at] = kept
        }
      }
    }
  })

  it('consensus gives each row its two-lane squared distance to the consensus (every value present)', () => {
    for (const [r, n] of [
      [1, 1],
      [3, 2],
      [5, 7],
      [32, 1001],
    ]) {
      const { m, out, distances } = consensusCase(r, n, r * n)
      const expected = Array.from({ length: r }, (_, mm) =>
        laneSum(n, (t) => (m[mm * n + t] - out[t]) * (m[mm * n + t] - out[t])),
      )
      sameBits(distances, expected)
    }
  })

  it('gram matches the two-lane reference for every shape (odd K, odd counts, several blocks) and centres in place', () => {
    for (const [K, count, centred] of [
      [1, 5, 0],
      [2, 1, 0],
      [3, 7, 2],
      [5, 512, 0],
      [6, 1025, 5],
      [9, 2049, 4],
      [33, 777, 32],
    ]) {
      const arena = new KernelArena()
      arena.begin(K * count + KernelArena.gramDoubles(K))
      const rows: Float64Array[] = []
      for (let i = 0; i < K; i++) {
        const row = arena.f64(count)
        row.set(values(K * 1000 + i, count))
        rows.push(row)
      }
      const centre = Float64Array.from(rows[K - 1])
      const expectedRows = rows.map((row, i) =>
        i < centred ? row.map((x, t) => x - centre[t]) : Float64Array.from(row),
      )
      const gram = arena.gram(rows, centred)
      const expected: number[] = []
      for (let a = 0; a < K; a++) {
        for (let b = 0; b < K; b++) {
          const [x, y] = a <= b ? [expectedRows[a], expectedRows[b]] : [expectedRows[b], expectedRows[a]]
          expected.push(laneSum(count, (t) => x[t] * y[t]))
        }
      }
      sameBits(gram, expected)
      for (let i = 0; i < K; i++) sameBits(rows[i], expectedRows[i])
    }
  })

  it('emaUpdate and emaRow have the bits of stats.ts ema() on every entry, NaN entries from the initial regret', () => {
    for (const [cols, scattered] of [
      [1, false],
      [7, false],
      [1000, false],
      [9, true],
      [1000, true],
    ] as const) {
      const rows = 3
      const arena = new KernelArena()
      arena.begin(rows * cols + 2 * cols)
      const table = arena.f64(rows * cols)
      table.set(values(cols, rows * cols))
      for (let i = 0; i < table.length; i += 4) table[i] = Number.NaN
      // Some entries equal their update exactly: ema keeps the value as it is.
      const reference = 0.25
      const losses = arena.f64(cols)
      losses.set(values(cols + 1, cols))
      for (let c = 0; c < cols; c += 5) table[cols + c] = reference - losses[c]
      const at = arena.i32(cols)
      for (let c = 0; c < cols; c++) at[c] = scattered ? cols - 1 - c : c
      const before = Float64Array.from(table)
      const initial = -0.125
      const alpha = 0.1
      for (let r = 0; r < rows; r++) {
        if (scattered) arena.emaUpdate(table, r * cols, at, losses, reference, alpha, initial)
        else arena.emaRow(table, r * cols, losses, reference, alpha, initial)
      }
      const expected = Float64Array.from(before)
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < cols; i++) {
          const k = r * cols + at[i]
          const previous = before[k] === before[k] ? before[k] : initial
          expected[k] = ema(alpha, reference - losses[i], previous, false)
        }
      }
      sameBits(table, expected)
    }
  })

  it('remapRows moves kept rows onto new columns and leaves the rest', () => {
    const arena = new KernelArena()
    const [pnc, nc] = [5, 7]
    arena.begin(3 * pnc + 4 * nc + 8)
    const src = arena.f64(3 * pnc)
    src.set(values(3, 3 * pnc))
    const dst = arena.f64(4 * nc).fill(Number.NaN)
    const rowsFrom = arena.i32(4)
    rowsFrom.set([2, -1, 0, 1])
    const colAt = arena.i32(pnc)
    colAt.set([0, 2, -1, 3, 6])
    arena.remapRows(dst, nc, src, pnc, rowsFrom, colAt)
    const expected = new Float64Array(4 * nc).fill(Number.NaN)
    for (let r = 0; r < 4; r++) {
      if (rowsFrom[r] < 0) continue
      for (let c = 0; c < pnc; c++) if (colAt[c] >= 0) expected[r * nc + colAt[c]] = src[rowsFrom[r] * pnc + c]
    }
    sameBits(dst, expected)
    colAt[0] = nc
    expect(() => arena.remapRows(dst, nc, src, pnc, rowsFrom, colAt)).toThrow(/outside the table/)
  })

  it('emaUpdate checks every column against the table end in the kernel, emaRow its span', () => {
    const arena = new KernelArena()
    arena.begin(4 + 4 + 1 + 1)
    const table = arena.f64(4).fill(0)
    const neighbour = arena.f64(4).fill(7)
    const at = arena.i32(1)
    const losses = arena.f64(1).fill(0)
    for (const column of [4, 5, -1]) {
      at[0] = column
      expect(() => arena.emaUpdate(table, 0, at, losses, 1, 0.5, 0)).toThrow(/column outside the table/)
    }
    at[0] = 3
    arena.emaUpdate(table, 0, at, losses, 1, 0.5, 0)
    expect(table[3]).toBe(0.5)
    expect(() => arena.emaRow(table, 4, losses, 1, 0.5, 0)).toThrow(/outside the table/)
    expect(Array.from(neighbour)).toEqual([7, 7, 7, 7])
  })

  it('gram refuses a number of centred rows outside 0..K − 1 before the kernel runs', () => {
    const arena = new KernelArena()
    arena.begin(2 * 4 + KernelArena.gramDoubles(2))
    const rows = [arena.f64(4).fill(1), arena.f64(4).fill(2)]
    for (const centred of [-1, 2, 0.5]) expect(() => arena.gram(rows, centred)).toThrow(/kernel arena: gram centres/)
    expect(Array.from(rows[0])).toEqual([1, 1, 1, 1])
  })

  it('refuses a view past the allocation point (released)', () => {
    const arena = new KernelArena()
    arena.begin(8)
    const mark = arena.mark()
    const v = arena.f64(8)
    arena.release(mark)
    expect(() => arena.countInRange(v, -1, 1)).toThrow(/past the allocation point/)
  })

  it('refuses views from before the last begin and allocations past the reservation', () => {
    const arena = new KernelArena()
    arena.begin(4)
    const v = arena.f64(4)
    expect(() => arena.f64(1)).toThrow(/past the reservation/)
    arena.begin(100_000)
    expect(() => arena.countInRange(v, -1, 1)).toThrow(/another memory/)
    expect(() => arena.countInRange(new Float64Array(3), -1, 1)).toThrow(/another memory/)
  })
})
