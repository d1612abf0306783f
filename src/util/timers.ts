/**
 * Time as a dependency: a clock to read and timers to schedule on it, so a test (or a chaos
 * run skewing one node's clock) can drive time instead of the wall clock.
 */

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

/** Schedules callbacks on a clock; `clear()` cancels them all for good (the owner stopped). */
export interface Scheduler {
  /** Run `fn` at time `atMs` of the clock (at once if it has passed). */
  at(atMs: number, fn: () => void): void
  /** Run `fn` `delayMs` from now. */
  after(delayMs: number, fn: () => void): void
  clear(): void
}

/**
 * Timers a service owns, all cancelled by `clear()` on stop, so a stopped service leaves no
 * handle behind.
 */
export class Timers implements Scheduler {
  private readonly pending = new Set<NodeJS.Timeout>()
  private closed = false

  constructor(private readonly clock: Clock = systemClock) {}

  /** Run `fn` at time `atMs` (at once if it has passed). */
  at(atMs: number, fn: () => void): void {
    if (this.closed) return
    const handle = setTimeout(
      () => {
        this.pending.delete(handle)
        fn()
      },
      Math.max(0, atMs - this.clock()),
    )
    this.pending.add(handle)
  }

  after(delayMs: number, fn: () => void): void {
    this.at(this.clock() + delayMs, fn)
  }

  /** Cancel every pending timer and refuse new ones: the owner has stopped. */
  clear(): void {
    this.closed = true
    for (const handle of this.pending) clearTimeout(handle)
    this.pending.clear()
  }
}
