/**
 * A topic's active-set caps and score-EMA parameters (merit sortition, docs/spec/math.md
 * §10.4), part of its consensus rules. The chain applies them (src/consensus/chain/merit.ts).
 */
import { z } from 'zod'

export interface ActiveSetParams {
  /** Most actors of each task synthesised and paid per epoch. */
  readonly inferers: number
  readonly forecasters: number
  readonly reputers: number
  /** The score EMAs' α. */
  readonly alpha: number
  /** Where a newcomer ranks, and what a standby's EMA takes in, as a quantile of the scores. */
  readonly quantile: number
}

export const DEFAULT_ACTIVE_SET: ActiveSetParams = Object.freeze({
  inferers: 32,
  forecasters: 6,
  reputers: 6,
  alpha: 0.1,
  quantile: 0.25,
})

const cap = z.number().int().min(1).max(4096)

/** The `activeSet` object of a topic file: every field optional, the defaults above. */
export const activeSetSchema = z
  .strictObject({
    inferers: cap.optional(),
    forecasters: cap.optional(),
    reputers: cap.max(1024).optional(),
    alpha: z.number().gt(0).max(1).optional(),
    quantile: z.number().min(0).max(1).optional(),
  })
  .default({})
  .transform((given): ActiveSetParams => ({ ...DEFAULT_ACTIVE_SET, ...given }))
