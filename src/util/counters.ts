/**
 * Counters keyed by closed label sets (never by peer id or message content), so their number
 * is bounded. The metrics issue exports them; tests read them directly.
 */
export class Counters<Key extends string = string> {
  private readonly values = new Map<Key, number>()

  inc(key: Key, by = 1): void {
    this.values.set(key, (this.values.get(key) ?? 0) + by)
  }

  get(key: Key): number {
    return this.values.get(key) ?? 0
  }

  /** A copy, keys sorted, for printing and export. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }
}
