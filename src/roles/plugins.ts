/**
 * The plug-in interfaces of the roles: worker models and ground-truth sources. Workers and
 * reputers see only these; the networked roles and the offline simulator feed them the same
 * contexts, so a model behaves the same in a cluster, in a test and in the benchmark.
 */
import type { LossFunctionName } from '../topic/losses.js'

export type { LossFunctionName }

/** One observed value of the topic's series. */
export interface TruthPoint {
  readonly epoch: number
  readonly value: number
}

/** What a worker knows when it answers epoch `epoch`. All lists are oldest first. */
export interface ModelContext {
  readonly topicId: string
  /** The epoch being answered: the target is the series value of this epoch. */
  readonly epoch: number
  /** This worker's participant id. */
  readonly self: string
  /**
   * Ground truth known so far: every epoch ≤ epoch − groundTruthLag that has a value (a
   * bounded window of the most recent ones, at most `historyLimit`).
   */
  readonly truth: readonly TruthPoint[]
  /** Committed network inferences of past epochs (same window). */
  readonly networkInferences: readonly TruthPoint[]
  /**
   * Consensus log10 losses of past settled epochs, per inferer id (and the network under
   * the key `network`): what the reputers agreed each inferer's loss was.
   */
  readonly inferenceLosses: readonly { readonly epoch: number; readonly losses: Readonly<Record<string, number>> }[]
  /** Inferers expected to answer this epoch (ids of the last decided epoch's inferers, self excluded). */
  readonly inferers: readonly string[]
  /**
   * Optional: the committed inferences of past decided epochs per inferer (same window).
   * With the truth they give a forecaster each inferer's loss one epoch before the
   * consensus losses are settled, in the topic's own loss function.
   */
  readonly inferences?: readonly { readonly epoch: number; readonly values: Readonly<Record<string, number>> }[]
  /** Optional: the topic's loss function (what `inferenceLosses` are log10 of). */
  readonly lossFunction?: LossFunctionName
}

/**
 * A worker's model: inferer and forecaster in one. `forecast` returns the log10 loss it
 * expects each inferer of `context.inferers` to get this epoch (ids it leaves out are not
 * forecast). Either may throw: the worker then skips the epoch, not the node.
 */
export interface WorkerModel {
  readonly name: string
  infer(context: ModelContext): number | Promise<number>
  forecast(context: ModelContext): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>
  /** Release resources (subprocess, sockets). */
  close?(): void | Promise<void>
}

/**
 * Where a topic's ground truth comes from. `valueAt` must give every node the same value for
 * the same epoch (the series is the reputers' shared reference); undefined means "not known
 * (yet)" and the epoch is not settled until it is.
 */
export interface GroundTruthSource {
  readonly name: string
  valueAt(epoch: number): number | undefined | Promise<number | undefined>
  /** Number of epochs the source can serve (Infinity for generated series). */
  readonly length: number
  close?(): void | Promise<void>
}
