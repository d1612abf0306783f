import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkedMatrix,
  indexOfSorted,
  matrixOf,
  nestedOf,
  positionsIn,
  unionSorted,
} from '../../../src/synthesis/id-matrix.js'
import { SynthesisError } from '../../../src/synthesis/errors.js'

const sortedUnique = fc
  .uniqueArray(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { maxLength: 8 })
  .map((xs) => [...xs].sort())

describe('IdMatrix', () => {
  it('nested → matrix → nested is the identity (empty rows kept, absent entries absent)', () => {
    const nested = { k: { a: 1, c: -0.5 }, j: {}, m: { b: 2 } }
    const m = matrixOf(nested)
    expect(m.rows).toEqual(['j', 'k', 'm'])
    expect(m.cols).toEqual(['a', 'b', 'c'])
    expect(Number.isNaN(m.values[0])).toBe(true)
    expect(nestedOf(m)).toEqual(nested)
    expect(m.values[1 * 3 + 2]).toBe(-0.5)
    expect(Number.isNaN(m.values[1 * 3 + 1])).toBe(true)
  })

  it('sorted-list helpers agree with a plain reference', () => {
    fc.assert(
      fc.property(sortedUnique, sortedUnique, (a, b) => {
        expect(unionSorted(a, b)).toEqual([...new Set([...a, ...b])].sort())
        expect(Array.from(positionsIn(a, b))).toEqual(a.map((id) => b.indexOf(id)))
        for (const id of ['a', 'e', 'zz']) expect(indexOfSorted(a, id)).toBe(a.indexOf(id))
      }),
    )
  })

  it('checkedMatrix names the problem: order, length, type, ±∞', () => {
    const code = (v: unknown): string | undefined => {
      try {
        checkedMatrix(v, 't')
        return undefined
      } catch (err) {
        return err instanceof SynthesisError ? `${err.code}: ${err.message}` : String(err)
      }
    }
    expect(code({ rows: ['a'], cols: ['x'], values: Float64Array.of(Number.NaN) })).toBeUndefined()
    expect(code({ rows: ['b', 'a'], cols: [], values: new Float64Array(0) })).toMatch(/rows must be ascending/)
    expect(code({ rows: ['a', 'a'], cols: ['x'], values: new Float64Array(2) })).toMatch(/ascending and unique/)
    expect(code({ rows: ['a'], cols: ['x'], values: [1] })).toMatch(/Float64Array/)
    expect(code({ rows: ['a'], cols: ['x', 'y'], values: new Float64Array(1) })).toMatch(/rows × cols = 2/)
    expect(code({ rows: ['a'], cols: ['x'], values: Float64Array.of(Number.POSITIVE_INFINITY) })).toMatch(
      /NON_FINITE: t\["a"\]\["x"\]/,
    )
    expect(code({ rows: [''], cols: [], values: new Float64Array(0) })).toMatch(/non-empty id/)
    expect(code(null)).toMatch(/must be a matrix/)
  })
})
