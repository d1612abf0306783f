/**
 * Topic epochs in wall-clock time: epoch e is [genesis + e·L, genesis + (e+1)·L). The clock
 * function is injected so tests and simulations can drive time.
 */
export type Clock = () => number

export class EpochClock {
  constructor(
    readonly genesisMs: number,
    readonly epochMs: number,
    private readonly now: Clock = Date.now,
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

/**
 * Timers a service owns, all cancelled by `clear()` on stop, so a stopped service leaves no
 * handle behind.
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>()
  private closed = false

  constructor(private readonly clock: Clock = Date.now) {}

  /** Run `fn` at time `atMs` (at once if it has passed). */
  at(atMs: number, fn: () => void): void {
    if (this.closed) return
    const handle = setTimeout(() => {
      this.pending.delete(handle)
      fn()
    }, Math.max(0, atMs - this.clock()))
    this.pending.add(handle)
  }

  /** Cancel every pending timer and refuse new ones: the owner has stopped. */
  clear(): void {
    this.closed = true
    for (const handle of this.pending) clearTimeout(handle)
    this.pending.clear()
  }
}
