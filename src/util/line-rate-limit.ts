/**
 * At most `perSecond` lines a second: `take()` answers how many were held back since the last
 * line written, or undefined when this one must be held back too.
 */
export class LineRateLimit {
  private windowStart = 0
  private written = 0
  private held = 0

  constructor(private readonly perSecond: number) {}

  take(now = Date.now()): number | undefined {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now
      this.written = 0
    }
    if (this.written >= this.perSecond) {
      this.held++
      return undefined
    }
    this.written++
    const held = this.held
    this.held = 0
    return held
  }
}
