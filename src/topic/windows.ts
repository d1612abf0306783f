/**
 * When a topic message is on time: the submission window of inferences and forecasts, when a
 * loss bundle may arrive (after the truth is known, not too long after), and the grace every
 * deadline gets for gossip latency and clock skew. Shared by the transport's admission rules
 * and the coordinators, which must agree on them.
 */
import type { EpochVerdict } from '../p2p/index.js'
import type { Envelope } from '../wire/index.js'
import type { TopicConfig } from './config.js'
import type { EpochClock } from './epoch-clock.js'
import { epochEnd, epochStart, type EpochSchedule } from './epoch-schedule.js'

export interface TopicRuntime {
  /** Replaced when governance changes the topic's epoch length (node/topic-schedules.ts). */
  config: TopicConfig
  readonly clock: EpochClock
}

/** How many epochs back loss bundles are still accepted (slow reputers). */
export const PAST_EPOCHS_ACCEPTED = 8

/** Slack for gossip latency and clock skew between local nodes. */
export function graceMs(config: TopicConfig): number {
  return Math.min(100, Math.floor(config.epochMs / 10))
}

/**
 * When a block may take epoch `e` (every coordinator computes the same from the topic's rules):
 * once no more of its messages can be admitted. That is the end of its submission window,
 * plus the grace, or on a commit-reveal topic the end of the epoch plus the grace (reveals
 * come after the window). Closing at the window lets the block deciding an epoch commit
 * before the next one opens, so workers answer with the freshest history. The window scales
 * with the epoch's segment of the schedule, as governance scales it with the epoch length.
 */
export function epochClosesAt(schedule: EpochSchedule, config: TopicConfig, e: number): number {
  return lastAdmissionAt(schedule, config, e) + graceMs(config)
}

/** The end of epoch `e`'s last window for messages (epochClosesAt without the grace). */
export function lastAdmissionAt(schedule: EpochSchedule, config: TopicConfig, e: number): number {
  const start = epochStart(schedule, e)
  const end = epochEnd(schedule, e)
  if (config.commitReveal) return end
  const window = Math.floor((config.submissionWindowMs * (end - start)) / config.epochMs)
  return Math.min(start + window, end)
}

export function epochVerdict(
  envelope: Pick<Envelope, 'type' | 'epoch'>,
  { config, clock }: TopicRuntime,
): EpochVerdict {
  const now = clock.time()
  const e = envelope.epoch
  const grace = graceMs(config)
  switch (envelope.type) {
    case 'inference-commit':
    case 'forecast':
    case 'inference': {
      if (now < clock.startOf(e) - config.epochMs) return 'too-far'
      // A reveal comes after the window; everything else must arrive inside it.
      const revealing = envelope.type === 'inference' && config.commitReveal
      const deadline = revealing ? clock.endOf(e) : clock.startOf(e) + config.submissionWindowMs
      return now > deadline + grace ? 'too-old' : 'ok'
    }
    case 'loss-bundle': {
      // The truth of e is known once epoch e + lag opens.
      if (now + grace < clock.startOf(e + config.groundTruthLag)) return 'too-far'
      return clock.current() - e > config.groundTruthLag + PAST_EPOCHS_ACCEPTED ? 'too-old' : 'ok'
    }
    default:
      return 'ok'
  }
}
