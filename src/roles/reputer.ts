/**
 * A reputer of one topic: for every decided epoch it waits until the ground truth is known
 * (the topic's lag), computes the loss of every value the decision holds and publishes one
 * signed loss bundle.
 */
import type { RolePublisher } from './publisher.js'
import type { LossBundle } from '../synthesis/types.js'
import { lossBundlePayload } from '../topic/loss-bundle.js'
import type { TopicRuntime } from '../topic/windows.js'
import type { EpochDecision } from './decisions.js'
import { onDecisions, type CommitFeed } from './decisions.js'
import { Timers } from '../util/timers.js'
import type { GroundTruthSource } from './plugins.js'

/** Computes a decided epoch's loss bundle from the truth (and the truth one epoch before). */
export type LossBundleBuilder = (
  decision: EpochDecision,
  truth: number,
  previousTruth: number | undefined,
) => LossBundle

export type ReputerCounter = 'published' | 'truth-unavailable' | 'loss-error' | 'publish-error'

export class ReputerService {
  readonly counters = new Map<ReputerCounter, number>()
  private readonly timers: Timers
  private stopped = false

  constructor(
    private readonly node: RolePublisher,
    private readonly topic: TopicRuntime,
    private readonly truth: GroundTruthSource,
    private readonly buildBundle: LossBundleBuilder,
    private readonly commits: CommitFeed,
  ) {
    this.timers = new Timers(() => topic.clock.time())
  }

  start(): void {
    onDecisions(this.commits, this.topic.config.id, (d) => {
      // The truth of epoch e is known once epoch e + lag opens.
      this.timers.at(this.topic.clock.startOf(d.epoch + this.topic.config.groundTruthLag), () => void this.evaluate(d))
    })
  }

  stop(): void {
    this.stopped = true
    this.timers.clear()
  }

  private count(counter: ReputerCounter): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + 1)
  }

  private async evaluate(decision: EpochDecision): Promise<void> {
    if (this.stopped) return
    const truth = await this.truth.valueAt(decision.epoch)
    if (truth === undefined) {
      this.count('truth-unavailable')
      return
    }
    let bundle: LossBundle
    try {
      bundle = this.buildBundle(decision, truth, await this.truth.valueAt(decision.epoch - 1))
    } catch {
      this.count('loss-error')
      return
    }
    try {
      await this.node.publish({
        type: 'loss-bundle',
        chainId: this.node.chainId,
        topicId: decision.topicId,
        epoch: decision.epoch,
        nonce: new Uint8Array(0),
        payload: lossBundlePayload(bundle),
      })
      this.count('published')
    } catch {
      this.count('publish-error')
    }
  }
}
