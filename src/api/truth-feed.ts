/**
 * The ground truth next to the network inference on the dashboard. Each decided epoch is asked
 * of the node's ground-truth source after its block commits, and again after every later block
 * until the source knows it (a truth is known only once its lag has passed); what it answers is
 * kept for the last `capacity` epochs of each topic and announced to the live stream. Only the
 * dashboard reads it: nothing here reaches consensus.
 */

export interface TruthPoint {
  readonly topic: string
  readonly epoch: number
  readonly value: number
}

/** The node's reading of a topic's truth; undefined while it is not known (or the node has no source for the topic). */
export type TruthReader = (topicId: string, epoch: number) => number | undefined | Promise<number | undefined>

export class TruthFeed {
  private readonly known = new Map<string, Map<number, number>>()
  private readonly pending = new Map<string, Set<number>>()
  private asking: Promise<void> | undefined
  private askAgain = false
  private closed = false

  constructor(
    private readonly read: TruthReader,
    private readonly onTruth: (point: TruthPoint) => void,
    private readonly capacity = 1000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Decided epochs to find the truth of (at most `capacity` wait per topic: older ones are given
   * up); then asks for every epoch still waiting. Resolves when that asking is done.
   */
  want(epochs: readonly { readonly topic: string; readonly epoch: number }[]): Promise<void> {
    for (const { topic, epoch } of epochs) {
      if (this.known.get(topic)?.has(epoch)) continue
      let set = this.pending.get(topic)
      if (set === undefined) this.pending.set(topic, (set = new Set()))
      set.add(epoch)
      if (set.size > this.capacity) set.delete(Math.min(...set))
    }
    return this.askAll()
  }

  /** Every truth known, per topic in epoch order. */
  points(): TruthPoint[] {
    const out: TruthPoint[] = []
    for (const [topic, byEpoch] of this.known)
      for (const [epoch, value] of [...byEpoch].sort((a, b) => a[0] - b[0])) out.push({ topic, epoch, value })
    return out
  }

  close(): void {
    this.closed = true
  }

  /** One pass at a time: what is wanted during a pass is asked in the next one. */
  private askAll(): Promise<void> {
    if (this.asking !== undefined) {
      this.askAgain = true
      return this.asking
    }
    this.asking = (async () => {
      try {
        do {
          this.askAgain = false
          await this.pass()
        } while (this.askAgain && !this.closed)
      } finally {
        this.asking = undefined
      }
    })()
    return this.asking
  }

  private async pass(): Promise<void> {
    for (const [topic, epochs] of this.pending) {
      for (const epoch of [...epochs].sort((a, b) => a - b)) {
        if (this.closed) return
        let value: number | undefined
        try {
          value = await this.read(topic, epoch)
        } catch (err) {
          this.onError(err)
          break
        }
        // Later epochs are not known either: the next block asks again.
        if (value === undefined || !Number.isFinite(value)) break
        epochs.delete(epoch)
        this.remember(topic, epoch, value)
        this.onTruth({ topic, epoch, value })
      }
    }
  }

  private remember(topic: string, epoch: number, value: number): void {
    let byEpoch = this.known.get(topic)
    if (byEpoch === undefined) this.known.set(topic, (byEpoch = new Map()))
    byEpoch.set(epoch, value)
    if (byEpoch.size > this.capacity) byEpoch.delete(Math.min(...byEpoch.keys()))
  }
}
