/** The series the gain suites run on: the default synthetic topic, two more seeds, and every real series of bench/data/. */
export interface GainSeries {
  readonly name: string
  readonly spec: string
  readonly synthetic: boolean
}

export const GAIN_SERIES: readonly GainSeries[] = [
  { name: 'synthetic:42 (default topic)', spec: 'synthetic:42', synthetic: true },
  { name: 'synthetic:1', spec: 'synthetic:1', synthetic: true },
  { name: 'synthetic:7', spec: 'synthetic:7', synthetic: true },
  { name: 'eustock DAX', spec: 'csv:eustock-dax-cac.csv:DAX', synthetic: false },
  { name: 'eustock CAC', spec: 'csv:eustock-dax-cac.csv:CAC', synthetic: false },
  { name: 'sunspots', spec: 'csv:sunspots-monthly.csv', synthetic: false },
  { name: 'co2', spec: 'csv:co2-monthly.csv', synthetic: false },
]

/** Epochs per series (a shorter series runs for as many as it has), and the warm-up left out of the means. */
export const GAIN_EPOCHS = 500
export const GAIN_WARMUP = 50
/** Epochs of known history before the first simulated one (as a cluster has). */
export const GAIN_START = 1
