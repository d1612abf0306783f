/**
 * Topic epochs in wall-clock time: epoch e is [genesis + e·L, genesis + (e+1)·L). The clock
 * function is injected so tests and simulations can drive time.
 */
import { type Clock, systemClock } from '../util/timers.js'

export class EpochClock {
  constructor(
    readonly genesisMs: number,
    readonly epochMs: number,
    private readonly now: Clock = systemClock,
  ) {
    if (!(epochMs > 0)) throw new Error(`epochMs must be > 0, got ${epochMs}`)
  }

  /** The epoch open at time t (negative before genesis). */
  epochAt(t: number): number {
    return Math.floor((t - this.genesisMs) / this.epochMs)
  }

  current(): number {
    return this.epochAt(this.now())
  }

  startOf(epoch: number): number {
    return this.genesisMs + epoch * this.epochMs
  }

  endOf(epoch: number): number {
    return this.startOf(epoch + 1)
  }

  time(): number {
    return this.now()
  }
}
