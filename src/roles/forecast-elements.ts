/**
 * What a worker publishes of its model's forecast (docs/spec/math.md §2): the log10 losses it
 * expects other inferers to get, never its own, at most MAX_ELEMENTS_PER_FORECAST of them:
 * the inferers it forecasts lowest (the ones a forecast-implied inference leans on), ties
 * by id. The chain keeps at most that many elements per forecast too; without the cap one
 * forecaster covering n inferers would cost every coordinator n² weight evaluations for its
 * one-out recomputations each epoch. Validators reject a forecast with more, or with a
 * value that is not a log10 loss, so the networked worker and the offline simulator both
 * publish through here.
 */
import { MAX_ELEMENTS_PER_FORECAST } from '../wire/index.js'
import { LOG10_LOSS_MAX, LOG10_LOSS_MIN } from '../synthesis/input-ranges.js'

export function forecastElements(forecast: Readonly<Record<string, number>>, self: string): Record<string, number> {
  const usable = Object.entries(forecast).filter(([id, l]) => id !== self && l >= LOG10_LOSS_MIN && l <= LOG10_LOSS_MAX)
  if (usable.length > MAX_ELEMENTS_PER_FORECAST) {
    usable.sort(([a, la], [b, lb]) => la - lb || (a < b ? -1 : a > b ? 1 : 0))
    usable.length = MAX_ELEMENTS_PER_FORECAST
  }
  usable.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(usable)
}
