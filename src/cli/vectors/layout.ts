/**
 * Who takes part in a simulator vector table, read from its header, and the ids the checker
 * gives them.
 *
 * The table numbers workers 0..W−1 (inferers first, then forecasters) and reputers 0..R−1.
 * The engine orders participants by id string (epoch-json §1), and that order fixes sums,
 * the score-history order and tie-breaks, so the ids must sort the way the simulator's
 * indices do: `w0`..`w7`, `r0`..`r4` (the ids of `vectors/epochs/*.json`), zero-padded when
 * there are ten or more (`w00`..`w11`) so that `w10` does not sort before `w2`.
 */

export class LayoutError extends Error {
  override readonly name = 'LayoutError'
}

export interface VectorLayout {
  /** Inferer ids, index j = worker j. */
  readonly inferers: readonly string[]
  /** Forecaster ids, index k = forecaster k = worker (inferers.length + k). */
  readonly forecasters: readonly string[]
  /** Reputer ids, index m = reputer m. */
  readonly reputers: readonly string[]
}

/** Columns the checker cannot do without; everything else is used when present. */
export function requiredColumns(layout: VectorLayout): string[] {
  return [
    'network_loss',
    'topic_rewards',
    ...layout.inferers.map((_, j) => `inference_${j}`),
    ...layout.reputers.flatMap((_, m) => [
      `reputer_stake_${m}`,
      `reputer_${m}_loss_network_inference`,
      `reputer_${m}_loss_naive_network_inference`,
    ]),
  ]
}

/** Infer the participant counts from the header and check the columns the checker needs. */
export function inferLayout(header: readonly string[]): VectorLayout {
  const inferers = indexCount(header, /^inference_(\d+)$/, 'inference_j')
  // A forecaster shows up in its forecasts or its forecast-implied inference.
  const forecasters = Math.max(
    indexCount(header, /^forecasted_loss_(\d+)_for_\d+$/, 'forecasted_loss_k_for_j'),
    indexCount(header, /^forecast_implied_inference_(\d+)$/, 'forecast_implied_inference_k'),
  )
  const reputers = indexCount(header, /^reputer_stake_(\d+)$/, 'reputer_stake_m')
  if (inferers === 0) throw new LayoutError('no inference_j columns: this is not a simulator vector table')
  if (reputers === 0) throw new LayoutError('no reputer_stake_m columns: the settle step needs at least one reputer')

  const workerWidth = String(inferers + forecasters - 1).length
  const worker = (i: number): string => `w${String(i).padStart(workerWidth, '0')}`
  const reputerWidth = String(reputers - 1).length
  const layout: VectorLayout = {
    inferers: Array.from({ length: inferers }, (_, j) => worker(j)),
    forecasters: Array.from({ length: forecasters }, (_, k) => worker(inferers + k)),
    reputers: Array.from({ length: reputers }, (_, m) => `r${String(m).padStart(reputerWidth, '0')}`),
  }
  const present = new Set(header)
  const missing = requiredColumns(layout).filter((c) => !present.has(c))
  if (missing.length > 0) {
    const shown = missing.slice(0, 8).join(', ')
    throw new LayoutError(
      `missing column${missing.length > 1 ? 's' : ''}: ${shown}${missing.length > 8 ? `, … (${missing.length} in all)` : ''}`,
    )
  }
  return layout
}

/** Number of participants named by `pattern`'s first group; indices must be 0..n−1. */
function indexCount(header: readonly string[], pattern: RegExp, what: string): number {
  const seen = new Set<number>()
  for (const name of header) {
    const m = pattern.exec(name)
    if (m) seen.add(Number(m[1]))
  }
  for (let i = 0; i < seen.size; i++) {
    if (!seen.has(i)) {
      const found = [...seen].sort((a, b) => a - b).join(', ')
      throw new LayoutError(`${what} columns must be numbered 0..${seen.size - 1}, found ${found}`)
    }
  }
  return seen.size
}
