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
 * - A worker is compared with the network over the epochs it answered: a worker that skipped
 *   epochs may have skipped the hard ones, so its mean loss alone says little. Each worker's
 *   entry holds its mean loss, the network's mean loss over the same epochs, and its coverage
 *   (the share of counted epochs it answered).
 * - The best worker is the one with the lowest ratio of its loss to the network's over the
 *   same epochs, among the workers that answered at least `MIN_BEST_COVERAGE` of the counted
 *   epochs; `bestWorkerLoss` is its mean loss and `bestWorkerNetworkLoss` the network's over
 *   its epochs. When every worker answers every epoch this is simply the lowest mean loss.
 *   `null` when no worker qualifies.
 */
import { loss } from '../topic/losses.js'
import type { LossFunctionName } from './plugins.js'

/** The share of counted epochs a worker must have answered to be named the best. */
export const MIN_BEST_COVERAGE = 0.5

export interface WorkerSummary {
  /** Mean loss of its own inferences, over the counted epochs it answered. */
  readonly loss: number
  /** Mean loss of the network inference over those same epochs. */
  readonly networkLoss: number
  /** Counted epochs it answered / counted epochs. */
  readonly coverage: number
}

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
  /** The network's mean loss over the epochs the best worker answered. */
  readonly bestWorkerNetworkLoss: number | null
  readonly bestWorkerCoverage: number | null
  readonly bestWorker: string | null
  /** Per worker: its loss and the network's over the same epochs, and its coverage. */
  readonly workers: Readonly<Record<string, WorkerSummary>>
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
  /** Per worker: its loss and the network's, summed over the counted epochs it answered. */
  private readonly workerSums = new Map<string, { sum: number; network: number; count: number }>()

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
    const network = l(p.network)
    this.network += network
    this.naive += l(p.naive)
    const ids = Object.keys(p.inferences).sort()
    let mean = 0
    for (const id of ids) mean += p.inferences[id]
    this.equal += l(mean / ids.length)
    for (const id of ids) {
      const s = this.workerSums.get(id) ?? { sum: 0, network: 0, count: 0 }
      s.sum += l(p.inferences[id])
      s.network += network
      s.count++
      this.workerSums.set(id, s)
    }
  }

  result(): Summary {
    const n = this.counted
    const workers: Record<string, WorkerSummary> = {}
    let best: string | null = null
    let bestRatio = Number.POSITIVE_INFINITY
    for (const id of [...this.workerSums.keys()].sort()) {
      const s = this.workerSums.get(id) as { sum: number; network: number; count: number }
      const w = { loss: s.sum / s.count, networkLoss: s.network / s.count, coverage: s.count / n }
      workers[id] = w
      if (w.coverage < MIN_BEST_COVERAGE) continue
      // Against the network on its own epochs; a network loss of 0 leaves only an exact worker level.
      const ratio = w.networkLoss > 0 ? w.loss / w.networkLoss : w.loss > 0 ? Number.POSITIVE_INFINITY : 1
      if (best === null || ratio < bestRatio) {
        best = id
        bestRatio = ratio
      }
    }
    const chosen = best === null ? undefined : workers[best]
    return {
      type: 'summary',
      epochs: this.epochs,
      topics: this.topics,
      decided: this.decided,
      counted: n,
      networkLoss: n > 0 ? this.network / n : Number.NaN,
      naiveLoss: n > 0 ? this.naive / n : Number.NaN,
      equalWeightLoss: n > 0 ? this.equal / n : Number.NaN,
      bestWorkerLoss: chosen?.loss ?? null,
      bestWorkerNetworkLoss: chosen?.networkLoss ?? null,
      bestWorkerCoverage: chosen?.coverage ?? null,
      bestWorker: best,
      workers,
    }
  }
}
