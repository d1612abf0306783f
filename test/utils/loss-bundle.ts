import { EMPTY_MATRIX, matrixOf } from '../../src/synthesis/id-matrix.js'
import type { IdMap, IdMatrix, LossBundle } from '../../src/synthesis/types.js'

export type LossBundleParts = Partial<Omit<LossBundle, 'oneOutInfererForecasters'>> & {
  /** Nested `{forecaster: {withheld inferer: loss}}` (converted) or the engine's table. */
  readonly oneOutInfererForecasters?: IdMap<IdMap> | IdMatrix
}

const isTable = (v: unknown): v is IdMatrix =>
  typeof v === 'object' && v !== null && (v as IdMatrix).values instanceof Float64Array

/** A loss bundle with every map empty unless given (network -2, naive -1.5 by default). */
export function lossBundleOf(parts: LossBundleParts = {}): LossBundle {
  const table = parts.oneOutInfererForecasters
  return {
    network: -2,
    naive: -1.5,
    inferers: {},
    forecasters: {},
    oneOutInferers: {},
    oneOutForecasters: {},
    oneInForecasters: {},
    ...parts,
    oneOutInfererForecasters: table === undefined ? EMPTY_MATRIX : isTable(table) ? table : matrixOf(table),
  }
}
