import { describe, expect, it } from 'vitest'
import { MAX_ELEMENTS_PER_FORECAST } from '../../../src/wire/index.js'
import { forecastElements } from '../../../src/roles/forecast-elements.js'

describe('forecastElements', () => {
  it('drops the worker itself and values that are not log10 losses, ids ascending', () => {
    expect(forecastElements({ b: -1, me: -9, a: -2, c: Number.NaN, d: 1e155, e: -400 }, 'me')).toEqual({ a: -2, b: -1 })
    expect(Object.keys(forecastElements({ b: -1, a: -2 }, 'me'))).toEqual(['a', 'b'])
  })

  it(`keeps the ${MAX_ELEMENTS_PER_FORECAST} inferers forecast lowest, ties by id`, () => {
    // w01…w20 forecast −1 (twenty-way tie) and w21…w25 forecast −5: the five lowest, then
    // the first seven of the tie by id; the worker itself (w03) is never an element.
    const forecast: Record<string, number> = {}
    for (let i = 1; i <= 25; i++) forecast[`w${String(i).padStart(2, '0')}`] = i > 20 ? -5 : -1
    const kept = forecastElements(forecast, 'w03')
    expect(Object.keys(kept)).toEqual([
      'w01',
      'w02',
      'w04',
      'w05',
      'w06',
      'w07',
      'w08',
      'w21',
      'w22',
      'w23',
      'w24',
      'w25',
    ])
    expect(Object.keys(kept)).toHaveLength(MAX_ELEMENTS_PER_FORECAST)
  })
})
