/** Contexts for model tests: a series of known truth and, optionally, a loss history. */
import type { ModelContext } from '../../../src/roles/plugins.js'

export interface ContextOptions {
  readonly epoch?: number
  readonly self?: string
  readonly inferers?: readonly string[]
  readonly inferenceLosses?: ModelContext['inferenceLosses']
  readonly inferences?: ModelContext['inferences']
  readonly lossFunction?: ModelContext['lossFunction']
}

/** Truth values at epochs 0..n−1; the context answers epoch n (lag 1) unless told otherwise. */
export function contextOf(values: readonly number[], options: ContextOptions = {}): ModelContext {
  return {
    topicId: 't',
    epoch: options.epoch ?? values.length,
    self: options.self ?? 'me',
    truth: values.map((value, epoch) => ({ epoch, value })),
    networkInferences: [],
    inferenceLosses: options.inferenceLosses ?? [],
    inferers: options.inferers ?? [],
    ...(options.inferences === undefined ? {} : { inferences: options.inferences }),
    ...(options.lossFunction === undefined ? {} : { lossFunction: options.lossFunction }),
  }
}
