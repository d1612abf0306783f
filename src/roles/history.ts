/**
 * A bounded per-topic memory of what workers may know: ground-truth points, decided network
 * inferences and consensus losses per inferer, from which it builds the ModelContext of an
 * epoch. The networked worker feeds it from gossip and committed blocks (in any order,
 * duplicates replace), the simulator feeds it directly; models see the same context either
 * way.
 */
import type { LossBundle } from '../synthesis/types.js'
import { NETWORK_KEY } from './models/loss-history.js'
import type { LossFunctionName, ModelContext, TruthPoint } from './plugins.js'

export interface HistoryOptions {
  readonly topicId: string
  /** The truth of epoch e is known from epoch e + lag on. @default 1 */
  readonly groundTruthLag?: number
  /** Entries kept per list (truth, network inferences, losses, decided inferences). @default 256 */
  readonly limit?: number
  /** Passed on to models in the context. */
  readonly lossFunction?: LossFunctionName
}

interface Entry<T> {
  readonly epoch: number
  readonly value: T
}

/** A list sorted by epoch, one entry per epoch, at most `limit` (the newest). */
class EpochList<T> {
  readonly entries: Entry<T>[] = []

  constructor(private readonly limit: number) {}

  put(epoch: number, value: T): void {
    const list = this.entries
    let lo = 0
    let hi = list.length
    if (hi > 0 && list[hi - 1].epoch < epoch) lo = hi
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid].epoch < epoch) lo = mid + 1
      else hi = mid
    }
    if (lo < list.length && list[lo].epoch === epoch) list[lo] = { epoch, value }
    else list.splice(lo, 0, { epoch, value })
    if (list.length > this.limit) list.splice(0, list.length - this.limit)
  }

  /** Entries with epoch ≤ `last`. */
  upTo(last: number): Entry<T>[] {
    let end = this.entries.length
    while (end > 0 && this.entries[end - 1].epoch > last) end--
    return this.entries.slice(0, end)
  }
}

export class TopicHistory {
  readonly topicId: string
  readonly groundTruthLag: number
  readonly limit: number
  readonly lossFunction: LossFunctionName | undefined
  private readonly truth: EpochList<number>
  private readonly network: EpochList<number>
  private readonly losses: EpochList<Readonly<Record<string, number>>>
  private readonly inferers: EpochList<readonly string[]>
  private readonly inferences: EpochList<Readonly<Record<string, number>>>

  constructor(options: HistoryOptions) {
    this.topicId = options.topicId
    this.groundTruthLag = options.groundTruthLag ?? 1
    this.limit = options.limit ?? 256
    this.lossFunction = options.lossFunction
    if (!Number.isInteger(this.groundTruthLag) || this.groundTruthLag < 1)
      throw new RangeError(`groundTruthLag must be an integer >= 1 (got ${this.groundTruthLag})`)
    if (!Number.isInteger(this.limit) || this.limit < 1)
      throw new RangeError(`limit must be an integer >= 1 (got ${this.limit})`)
    this.truth = new EpochList(this.limit)
    this.network = new EpochList(this.limit)
    this.losses = new EpochList(this.limit)
    this.inferers = new EpochList(this.limit)
    this.inferences = new EpochList(this.limit)
  }

  addTruth(epoch: number, value: number): void {
    if (Number.isFinite(value)) this.truth.put(epoch, value)
  }

  /**
   * A decided epoch: its network inference and the inferences it was decided with (or only
   * the inferers' ids; forecasters then lack the freshest epoch's losses until it settles).
   */
  addDecided(
    epoch: number,
    networkInference: number,
    inferences: Readonly<Record<string, number>> | readonly string[],
  ): void {
    this.network.put(epoch, networkInference)
    const ids = Array.isArray(inferences) ? [...(inferences as readonly string[])] : Object.keys(inferences)
    this.inferers.put(epoch, ids.sort())
    if (!Array.isArray(inferences)) this.inferences.put(epoch, { ...(inferences as Readonly<Record<string, number>>) })
  }

  /** Consensus log10 losses of a settled epoch: inferer id → loss, the network under `network`. */
  addLosses(epoch: number, losses: Readonly<Record<string, number>>): void {
    this.losses.put(epoch, { ...losses })
  }

  /** The same from a settled epoch's consensus loss bundle. */
  addSettled(epoch: number, consensus: LossBundle): void {
    this.addLosses(epoch, { ...consensus.inferers, [NETWORK_KEY]: consensus.network })
  }

  /** What worker `self` knows when it answers `epoch`. */
  context(epoch: number, self: string): ModelContext {
    const truth: TruthPoint[] = this.truth
      .upTo(epoch - this.groundTruthLag)
      .map((e) => ({ epoch: e.epoch, value: e.value }))
    const networkInferences: TruthPoint[] = this.network
      .upTo(epoch - 1)
      .map((e) => ({ epoch: e.epoch, value: e.value }))
    const inferenceLosses = this.losses.upTo(epoch - 1).map((e) => ({ epoch: e.epoch, losses: e.value }))
    const inferences = this.inferences.upTo(epoch - 1).map((e) => ({ epoch: e.epoch, values: e.value }))
    const lastDecided = this.inferers.upTo(epoch - 1).at(-1)
    const inferers = (lastDecided?.value ?? []).filter((id) => id !== self)
    const context: ModelContext = {
      topicId: this.topicId,
      epoch,
      self,
      truth,
      networkInferences,
      inferenceLosses,
      inferers,
      inferences,
    }
    return this.lossFunction === undefined ? context : { ...context, lossFunction: this.lossFunction }
  }
}
