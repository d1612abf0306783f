/**
 * One link of the fault layer: what this node sends to one peer, over every connection to
 * it. It holds the link's seeded random streams and its bandwidth budget, and turns the
 * current conditions into a release time for a chunk of bytes and a fate for a gossip frame.
 */
import { SeededRandom } from '../../util/random.js'
import type { LinkConditions } from './commands.js'

/** What becomes of one gossip frame. */
export interface FrameFate {
  readonly drop: boolean
  readonly duplicate: boolean
  readonly reorder: boolean
}

const INTACT: FrameFate = Object.freeze({ drop: false, duplicate: false, reorder: false })

export class PeerLink {
  /**
   * Jitter draws happen per chunk, and chunk boundaries depend on timing; frame fates draw
   * from a stream of their own so they depend only on the sequence of frames.
   */
  private readonly jitter: SeededRandom
  private readonly frames: SeededRandom
  /** When the link's transmitter is free again (performance.now() time): the bandwidth cap. */
  private txFreeAt = 0

  constructor(
    readonly peer: string,
    seed: number,
    private readonly conditions: () => LinkConditions,
    private readonly cutNow: () => boolean,
  ) {
    this.jitter = new SeededRandom(seed, 'jitter', peer)
    this.frames = new SeededRandom(seed, 'frames', peer)
  }

  get cut(): boolean {
    return this.cutNow()
  }

  /**
   * When a chunk of `bytes` handed to the link at `now` arrives at the far end: it waits for
   * the transmitter (bandwidth), then takes the latency ± jitter. The caller keeps the order.
   */
  releaseAt(bytes: number, now: number): number {
    const c = this.conditions()
    let sent = now
    if (c.bandwidthBytesPerSec !== undefined) {
      sent = Math.max(now, this.txFreeAt) + (bytes * 1000) / c.bandwidthBytesPerSec
      this.txFreeAt = sent
    }
    let delay = c.latencyMs ?? 0
    const jitter = c.jitterMs ?? 0
    if (jitter > 0) delay += (2 * this.jitter.next() - 1) * jitter
    return sent + Math.max(0, delay)
  }

  /** Whether the link shapes bytes at all now (so an idle one costs no timer). */
  shapesBytes(): boolean {
    const c = this.conditions()
    return (c.latencyMs ?? 0) > 0 || (c.jitterMs ?? 0) > 0 || c.bandwidthBytesPerSec !== undefined
  }

  /**
   * The fate of the next gossip frame. While any frame fault is on, every frame takes three
   * draws whatever the probabilities, so one seed gives the same drops whether or not
   * duplication is on; with none on, no draw (an untouched link costs nothing).
   */
  nextFrameFate(): FrameFate {
    const c = this.conditions()
    if ((c.loss ?? 0) === 0 && (c.duplicate ?? 0) === 0 && (c.reorder ?? 0) === 0) return INTACT
    const drop = this.frames.next() < (c.loss ?? 0)
    const duplicate = this.frames.next() < (c.duplicate ?? 0)
    const reorder = this.frames.next() < (c.reorder ?? 0)
    return { drop, duplicate, reorder }
  }
}
