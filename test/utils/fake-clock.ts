/**
 * A manual clock for tests: time moves only when the test says so. Each service gets its own
 * `Scheduler` view over the shared clock (`scheduler()`), so stopping one service clears only
 * its timers, as `Timers.clear()` does for a real one.
 *
 * `advance(ms)` is synchronous: it runs the callbacks that fall due, in time order (ties in
 * the order they were scheduled), including ones scheduled by those callbacks inside the
 * window. Services that schedule from promise callbacks (the consensus driver performs its
 * actions in a promise queue) need the event loop to turn between timers: `run(ms)` and
 * `runUntil(condition)` do that, letting pending microtasks and immediates run before each
 * instant's timers and after the last (the timers due at one instant fire together).
 */
import type { Clock, Scheduler } from '../../src/util/timers.js'

interface Pending {
  readonly atMs: number
  readonly seq: number
  readonly fn: () => void
  readonly owner: ClockScheduler
}

/** Let queued promise callbacks and immediates run: `turns` turns of the event loop, no wall-clock wait. */
export async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

export interface RunOptions {
  /** What to await between timers. @default flush() */
  readonly settle?: () => Promise<void>
}

export class FakeClock {
  private nowMs: number
  private seq = 0
  private readonly pending: Pending[] = []

  constructor(startMs: number) {
    this.nowMs = startMs
  }

  /** The clock, as a function a service can be given (`Clock`). */
  readonly now: Clock = () => this.nowMs

  /** A scheduler of one service: its own timers, cancelled together by its `clear()`. */
  scheduler(): Scheduler {
    return new ClockScheduler(this)
  }

  /** Timers still waiting (of every view). */
  get pendingCount(): number {
    return this.pending.length
  }

  /** When the next timer is due, if any. */
  nextDueMs(): number | undefined {
    return this.earliest()?.atMs
  }

  /** @internal for ClockScheduler */
  add(owner: ClockScheduler, atMs: number, fn: () => void): void {
    this.pending.push({ atMs, seq: this.seq++, fn, owner })
  }

  /** @internal for ClockScheduler */
  cancelAll(owner: ClockScheduler): void {
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i].owner === owner) this.pending.splice(i, 1)
  }

  /**
   * Move time forward by `ms`, synchronously running every callback that falls due on the way
   * (at its own time), including those scheduled meanwhile; time ends at now + ms.
   */
  advance(ms: number): void {
    const target = this.nowMs + ms
    for (let next = this.takeDue(target); next !== undefined; next = this.takeDue(target)) next.fn()
    this.nowMs = Math.max(this.nowMs, target)
  }

  /** Like `advance`, but lets the event loop settle before each timer and at the end. */
  async run(ms: number, options: RunOptions = {}): Promise<void> {
    const settle = options.settle ?? (() => flush())
    const target = this.nowMs + ms
    for (;;) {
      await settle()
      if (this.runInstant(target)) continue
      if (this.nowMs >= target) return
      // Nothing due before the target: move there, then settle and run what became due.
      this.nowMs = target
    }
  }

  /**
   * Run timer after timer (settling in between) until `condition()` holds, for at most
   * `limitMs` of fake time; throws, naming `what`, if it does not. Returns the fake time spent.
   */
  async runUntil(condition: () => boolean, what: string, limitMs: number, options: RunOptions = {}): Promise<number> {
    const settle = options.settle ?? (() => flush())
    const start = this.nowMs
    const limit = start + limitMs
    await settle()
    while (!condition()) {
      if (!this.runInstant(limit))
        throw new Error(
          `${what}: not reached after ${this.nowMs - start} ms of fake time (limit ${limitMs} ms, ${this.pending.length} timers pending)`,
        )
      await settle()
    }
    return this.nowMs - start
  }

  /**
   * Run every timer due at the earliest due time (if it is by `target`), in the order they
   * were scheduled, without letting the event loop turn in between: timers set for the same
   * instant fire together, as they would on one machine. False if none was due.
   */
  private runInstant(target: number): boolean {
    const first = this.takeDue(target)
    if (first === undefined) return false
    first.fn()
    for (let next = this.takeDue(this.nowMs); next !== undefined; next = this.takeDue(this.nowMs)) next.fn()
    return true
  }

  private earliest(): Pending | undefined {
    let best: Pending | undefined
    for (const p of this.pending)
      if (best === undefined || p.atMs < best.atMs || (p.atMs === best.atMs && p.seq < best.seq)) best = p
    return best
  }

  /** Remove and return the earliest timer due by `target`, with the clock moved to its time. */
  private takeDue(target: number): Pending | undefined {
    const next = this.earliest()
    if (next === undefined || next.atMs > target) return undefined
    this.pending.splice(this.pending.indexOf(next), 1)
    // A timer set for a time already past runs at the current time (never moves time back).
    this.nowMs = Math.max(this.nowMs, next.atMs)
    return next
  }
}

/** One service's view: its timers on the shared clock; `clear()` cancels them and refuses new ones. */
class ClockScheduler implements Scheduler {
  private closed = false

  constructor(private readonly clock: FakeClock) {}

  /** Run `fn` at `atMs` (at the next advance, if that time has passed). */
  at(atMs: number, fn: () => void): void {
    if (!this.closed) this.clock.add(this, atMs, fn)
  }

  after(delayMs: number, fn: () => void): void {
    this.at(this.clock.now() + delayMs, fn)
  }

  clear(): void {
    this.closed = true
    this.clock.cancelAll(this)
  }
}
