/**
 * What the settlements of a stretch of the chain gave each participant: the rewards of the
 * settle step (docs/spec/math.md §13) as the blocks carry them, summed per participant and
 * task. The ledger pays these amounts truncated to smallest units (only to participants still
 * registered); the committee's share, paid to the signers of each certificate, is not here.
 * Pure: it reads blocks, so it serves a node, a test or a chaos run's invariant alike.
 */
import type { Block } from './block.js'

export interface ParticipantRewards {
  /** As an inferer, a forecaster, a reputer; and their sum (smallest units, unrounded). */
  readonly inferer: number
  readonly forecaster: number
  readonly reputer: number
  readonly total: number
}

const TASKS = [
  ['inferers', 'inferer'],
  ['forecasters', 'forecaster'],
  ['reputers', 'reputer'],
] as const

/**
 * Rewards per participant id settled by the blocks of heights fromHeight + 1 … toHeight (the
 * stretch between the chain states at those heights), over every topic or only `topicId`. A
 * participant the stretch paid nothing is absent. Throws if `blockAt` lacks a block of it.
 */
export function rewardsByParticipant(
  blockAt: (height: number) => Block | undefined,
  fromHeight: number,
  toHeight: number,
  topicId?: string,
): Map<string, ParticipantRewards> {
  if (!Number.isSafeInteger(fromHeight) || !Number.isSafeInteger(toHeight) || fromHeight < 0 || toHeight < fromHeight)
    throw new RangeError(`heights must be integers with 0 <= from <= to, got from ${fromHeight}, to ${toHeight}`)
  const out = new Map<string, { inferer: number; forecaster: number; reputer: number }>()
  for (let height = fromHeight + 1; height <= toHeight; height++) {
    const block = blockAt(height)
    if (block === undefined) throw new RangeError(`no block at height ${height}`)
    for (const te of block.topicEpochs) {
      if (topicId !== undefined && te.topicId !== topicId) continue
      for (const settled of te.settled) {
        for (const [family, task] of TASKS) {
          for (const [id, value] of Object.entries(settled.rewards[family])) {
            if (!Number.isFinite(value) || value === 0) continue
            const r = out.get(id) ?? { inferer: 0, forecaster: 0, reputer: 0 }
            r[task] += value
            out.set(id, r)
          }
        }
      }
    }
  }
  return new Map([...out].map(([id, r]) => [id, { ...r, total: r.inferer + r.forecaster + r.reputer }]))
}
