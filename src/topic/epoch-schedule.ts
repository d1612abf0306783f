/**
 * A topic's epochs in time: segments of equal-length epochs, each from an epoch number and the
 * time it starts. A topic starts with one segment (epoch 0 at the genesis time); a governance
 * change of its epoch length adds one from a later epoch, starting where the old length puts
 * that epoch's start, so epoch numbers stay continuous and no epoch moves once it is known.
 * Pure and exact: integer milliseconds, integer epochs.
 */

export interface EpochSegment {
  readonly fromEpoch: number
  /** When `fromEpoch` starts (ms since the Unix epoch). */
  readonly startMs: number
  readonly epochMs: number
}

/** Ascending by `fromEpoch` (and so by `startMs`); never empty. */
export type EpochSchedule = readonly EpochSegment[]

export function uniformSchedule(genesisMs: number, epochMs: number): EpochSchedule {
  if (!(epochMs > 0)) throw new Error(`epochMs must be > 0, got ${epochMs}`)
  return [{ fromEpoch: 0, startMs: genesisMs, epochMs }]
}

/** The segment that times epoch `e` (the first one for epochs before it). */
function segmentOfEpoch(s: EpochSchedule, e: number): EpochSegment {
  for (let i = s.length - 1; i > 0; i--) if (s[i].fromEpoch <= e) return s[i]
  return s[0]
}

export function epochStart(s: EpochSchedule, e: number): number {
  const seg = segmentOfEpoch(s, e)
  return seg.startMs + (e - seg.fromEpoch) * seg.epochMs
}

export function epochEnd(s: EpochSchedule, e: number): number {
  return epochStart(s, e + 1)
}

/** The epoch open at time `t` (negative before the first segment's epoch 0). */
export function epochAtTime(s: EpochSchedule, t: number): number {
  let seg = s[0]
  for (let i = s.length - 1; i > 0; i--)
    if (s[i].startMs <= t) {
      seg = s[i]
      break
    }
  return seg.fromEpoch + Math.floor((t - seg.startMs) / seg.epochMs)
}

/** The schedule with epochs from `fromEpoch` on lasting `epochMs`; earlier epochs keep their times. */
export function rescheduled(s: EpochSchedule, fromEpoch: number, epochMs: number): EpochSchedule {
  if (!(Number.isSafeInteger(epochMs) && epochMs > 0))
    throw new Error(`epochMs must be a positive integer, got ${epochMs}`)
  const kept = s.filter((seg) => seg.fromEpoch < fromEpoch)
  const base = kept.length > 0 ? kept : [s[0]]
  return [...base, { fromEpoch, startMs: epochStart(s, fromEpoch), epochMs }]
}

export function sameSchedule(a: EpochSchedule, b: EpochSchedule): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.fromEpoch === b[i].fromEpoch && x.startMs === b[i].startMs && x.epochMs === b[i].epochMs)
  )
}
