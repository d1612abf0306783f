/**
 * The sample standard deviation as the engine's weight step computes it (weights.ts
 * `regretScale`): one pass relative to the first value, σ² = (Σd² − (Σd)²/n)/(n − 1) with
 * d = v − v₀, each sum in index order, a negative remainder read as 0; the textbook two
 * passes when (Σd)² or Σd² overflows. Written out here so the reference transcriptions in
 * the tests can match the engine bit for bit.
 */
export function onePassStdDev(values: readonly number[]): number {
  if (values.length < 2) return 0
  let sum = 0
  let squares = 0
  for (const v of values) {
    const d = v - values[0]
    sum += d
    squares += d * d
  }
  if (!(sum * sum < Infinity && squares < Infinity)) {
    const mean = values.reduce((a, v) => a + v, 0) / values.length
    return Math.sqrt(values.reduce((a, v) => a + (v - mean) * (v - mean), 0) / (values.length - 1))
  }
  const centred = squares - (sum * sum) / values.length
  return Math.sqrt(Math.max(centred, 0) / (values.length - 1))
}
