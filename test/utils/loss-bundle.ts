import type { LossBundle } from '../../src/synthesis/types.js'

/** A loss bundle with every map empty unless given (network -2, naive -1.5 by default). */
export function lossBundleOf(parts: Partial<LossBundle> = {}): LossBundle {
  return {
    network: -2,
    naive: -1.5,
    inferers: {},
    forecasters: {},
    oneOutInferers: {},
    oneOutForecasters: {},
    oneInForecasters: {},
    oneOutInfererForecasters: {},
    ...parts,
  }
}
