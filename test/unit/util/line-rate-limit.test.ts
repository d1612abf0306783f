import { describe, expect, it } from 'vitest'
import { LineRateLimit } from '../../../src/util/line-rate-limit.js'

describe('LineRateLimit', () => {
  it('lets through at most n lines a second and counts the held ones into the next', () => {
    const limit = new LineRateLimit(2)
    expect(limit.take(1000)).toBe(0)
    expect(limit.take(1100)).toBe(0)
    expect(limit.take(1200)).toBeUndefined()
    expect(limit.take(1900)).toBeUndefined()
    // A new second: the first line says two were held back.
    expect(limit.take(2000)).toBe(2)
    expect(limit.take(2001)).toBe(0)
    expect(limit.take(2002)).toBeUndefined()
  })
})
