/**
 * The run summary: mean losses (in the topic's loss function, not log) of the network
 * inference, the naive inference and every worker, over the decided epochs after a warm-up.
 *
 * Rules:
 * - The first `warmup` decided epochs added are not counted (the topic starts in its
 *   new-topic mode, and regrets need a few epochs to mean anything).
 * - `naiveLoss` is the loss of the protocol's naive inference I⁻ (the regret-weighted
 *   network without forecasters, docs/spec/math.md §8.2); `equalWeightLoss` is the loss of the
 *   plain mean of the epoch's inferences, reported beside it.
 * - `bestWorkerLoss` is the lowest mean loss of a single worker's own inference, among the
 *   workers that answered in every counted epoch: a worker that skipped epochs is not
 *   comparable (it may have skipped the hard ones). `null` when no worker qualifies.
 */
import { loss } from '../topic/losses.js'
import type { LossFunctionName } from './plugins.js'

export interface Summary {
  readonly type: 'summary'
  /** Epochs added (decided or not). */
  readonly epochs: number
  readonly topics: number
  readonly decided: number
  /** Decided epochs counted in the means (after the warm-up). */
  readonly counted: number
  readonly networkLoss: number
  readonly naiveLoss: number
  readonly equalWeightLoss: number
  readonly bestWorkerLoss: number | null
  readonly bestWorker: string | null
  /** Mean loss per worker that answered in every counted epoch. */
  readonly workerLosses: Readonly<Record<string, number>>
}

/** The predictions of one decided epoch, and its truth. */
export interface EpochPredictions {
  readonly epoch: number
  readonly truth: number
  readonly previousTruth?: number
  readonly network: number
  readonly naive: number
  /** worker id → its own inference. */
  readonly inferences: Readonly<Record<string, number>>
}

export class SummaryAccumulator {
  private epochs = 0
  private decided = 0
  private counted = 0
  private network = 0
  private naive = 0
  private equal = 0
  private readonly workerSums = new Map<string, { sum: number; count: number }>()

  constructor(
    readonly lossFunction: LossFunctionName,
    readonly warmup: number,
    readonly topics = 1,
  ) {}

  /** An epoch that could not be decided (no inference). */
  addUndecided(): void {
    this.epochs++
  }

  add(p: EpochPredictions): void {
    this.epochs++
    this.decided++
    if (this.decided <= this.warmup) return
    this.counted++
    const l = (x: number): number => loss(this.lossFunction, x, p.truth, p.previousTruth)
    this.network += l(p.network)
    this.naive += l(p.naive)
    const ids = Object.keys(p.inferences).sort()
    let mean = 0
    for (const id of ids) mean += p.inferences[id]
    this.equal += l(mean / ids.length)
    for (const id of ids) {
      const s = this.workerSums.get(id) ?? { sum: 0, count: 0 }
      s.sum += l(p.inferences[id])
      s.count++
      this.workerSums.set(id, s)
    }
  }

  result(): Summary {
    const n = this.counted
    const workerLosses: Record<string, number> = {}
    let best: string | null = null
    for (const id of [...this.workerSums.keys()].sort()) {
      const s = this.workerSums.get(id) as { sum: number; count: number }
      if (s.count !== n) continue
      workerLosses[id] = s.sum / n
      if (best === null || workerLosses[id] < workerLosses[best]) best = id
    }
    return {
      type: 'summary',
      epochs: this.epochs,
      topics: this.topics,
      decided: this.decided,
      counted: n,
      networkLoss: n > 0 ? this.network / n : Number.NaN,
      naiveLoss: n > 0 ? this.naive / n : Number.NaN,
      equalWeightLoss: n > 0 ? this.equal / n : Number.NaN,
      bestWorkerLoss: best === null ? null : workerLosses[best],
      bestWorker: best,
      workerLosses,
    }
  }
}
