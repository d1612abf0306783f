/** The fault layer's counters, as the chaos report prints them. */
import type { Counters } from '../../util/counters.js'

export const FAULT_STAT_KEYS = [
  /** Chunks of bytes held back by latency, jitter or the bandwidth cap. */
  'chunksDelayed',
  /** Outbound gossip frames that passed the layer, faulty or not. */
  'framesSeen',
  'framesDropped',
  'framesDuplicated',
  /** Frames that were overtaken by the frame after them. */
  'framesReordered',
  /** Frames that lost the draw but carried subscriptions, which gossipsub sends only once. */
  'framesSpared',
  /** Connections closed by a cut. */
  'connectionsCut',
  /** Dials to a cut peer refused. */
  'dialsRefused',
  /** Inbound connections from a cut peer refused. */
  'connectionsRefused',
  /** Dials made on heal to peers a cut had disconnected. */
  'redials',
] as const

export type FaultStatKey = (typeof FAULT_STAT_KEYS)[number]

/** A snapshot of the counters (a type alias, so it is also a `Record<string, number>`). */
export type FaultStats = { readonly [K in FaultStatKey]: number }

/** Every counter, zeros included, so a report's columns do not depend on what happened. */
export function faultStats(counters: Counters<FaultStatKey>): FaultStats {
  const out = {} as Record<FaultStatKey, number>
  for (const key of FAULT_STAT_KEYS) out[key] = counters.get(key)
  return out
}
