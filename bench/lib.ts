/**
 * The benchmark harness: each suite returns rows; every row names the figure, the measured
 * value, the baseline measured in the same run, and the ratio that is the figure of merit.
 */
export interface BenchRow {
  /** Suite name, e.g. "synthesis". */
  readonly suite: string
  /** What was measured, e.g. "epoch (32,6,6)". */
  readonly case: string
  /** Measured value of the system under test. */
  readonly value: number
  /** Unit of `value` and `baseline`, e.g. "ms", "msg/s". */
  readonly unit: string
  /** What the baseline is, e.g. "weight-fn floor". */
  readonly baselineName: string
  readonly baseline: number
  /** value / baseline (or baseline / value, see `ratioMeaning`). */
  readonly ratio: number
  /** How to read the ratio, e.g. "time / floor (goal <= 3)". */
  readonly ratioMeaning: string
  /** Free-form extras (p99, counts...), written to the JSON. */
  readonly extra?: Readonly<Record<string, number | string | boolean>>
}

export interface BenchSuite {
  readonly name: string
  run(): Promise<BenchRow[]>
}

/** Run `fn` repeatedly for at least `minMs` and `minRuns`, returning per-run times in ms. */
export async function timeRuns(fn: () => unknown, minRuns = 5, minMs = 200): Promise<number[]> {
  const times: number[] = []
  const start = performance.now()
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return times
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]
}

export const medianOf = (values: readonly number[]): number => percentile(values, 50)
