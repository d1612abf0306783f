/**
 * The networked worker's memory: decided epochs from gossip, and ground truth read from the
 * topic's source as it becomes known (the truth of e once epoch e + lag opens).
 */
import type { EpochDecision } from './decisions.js'
import { TopicHistory } from './history.js'
import type { GroundTruthSource, LossFunctionName, ModelContext } from './plugins.js'
import type { WorkerHistory } from './worker.js'

export class GossipWorkerHistory implements WorkerHistory {
  private readonly history: TopicHistory
  /** Next epoch whose truth has not been read yet. */
  private nextTruth = 0

  constructor(
    topicId: string,
    private readonly groundTruthLag: number,
    private readonly truth: GroundTruthSource,
    lossFunction: LossFunctionName,
    limit = 256,
  ) {
    this.history = new TopicHistory({ topicId, groundTruthLag, limit, lossFunction })
  }

  recordDecision(d: EpochDecision): void {
    // With the inferences themselves (not just who answered), forecasters can score each worker
    // as soon as the truth is known, an epoch before its losses settle.
    this.history.addDecided(d.epoch, d.output.networkInference, d.inferences)
    for (const s of d.settled) this.history.addSettled(s.epoch, s.consensusLosses)
  }

  async contextFor(epoch: number, self: string): Promise<ModelContext> {
    const last = Math.min(epoch - this.groundTruthLag, this.truth.length - 1)
    // A node that joins late reads only the window the history keeps.
    this.nextTruth = Math.max(this.nextTruth, last - this.history.limit + 1, 0)
    for (; this.nextTruth <= last; this.nextTruth++) {
      const value = await this.truth.valueAt(this.nextTruth)
      if (value !== undefined) this.history.addTruth(this.nextTruth, value)
    }
    return this.history.context(epoch, self)
  }
}
