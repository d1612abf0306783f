/**
 * Topic epochs in wall-clock time, by the topic's schedule (epoch-schedule.ts): epoch e is
 * [genesis + e·L, genesis + (e+1)·L) until governance changes the epoch length, then the new
 * length from the epoch the change names on. The node moves its clocks to the chain's
 * schedule as it adopts blocks. The clock function is injected so tests and simulations can
 * drive time.
 */
import { type Clock, systemClock } from '../util/timers.js'
import {
  epochAtTime,
  epochEnd,
  epochStart,
  sameSchedule,
  uniformSchedule,
  type EpochSchedule,
} from './epoch-schedule.js'

export class EpochClock {
  private current_: EpochSchedule

  constructor(
    readonly genesisMs: number,
    epochMs: number,
    private readonly now: Clock = systemClock,
  ) {
    this.current_ = uniformSchedule(genesisMs, epochMs)
  }

  /** The schedule the clock follows. */
  get schedule(): EpochSchedule {
    return this.current_
  }

  /** The length of the epochs of the first segment (the topic's genesis length). */
  get epochMs(): number {
    return this.current_[0].epochMs
  }

  /** Follow `schedule` from now on (the chain changed the topic's epoch length); true if it changed. */
  follow(schedule: EpochSchedule): boolean {
    if (sameSchedule(schedule, this.current_)) return false
    this.current_ = schedule
    return true
  }

  /** The epoch open at time t (negative before genesis). */
  epochAt(t: number): number {
    return epochAtTime(this.current_, t)
  }

  current(): number {
    return this.epochAt(this.now())
  }

  startOf(epoch: number): number {
    return epochStart(this.current_, epoch)
  }

  endOf(epoch: number): number {
    return epochEnd(this.current_, epoch)
  }

  time(): number {
    return this.now()
  }
}
