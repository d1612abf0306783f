/**
 * The public features of a verified model, which every node computes from committed data
 * (docs/zk.md): the topic's last 16 known truth values, each minus the newest of them, over the
 * topic's `featureScale`, in fixed point. The model's output y is in the same units, so the
 * inference it stands for is `newest + (y / 2^16) · featureScale`. Only IEEE basic operations
 * and one rounding, so every node gets the same integers.
 */
import { FEATURES, SCALE, toFixed, ZkModelError } from './linear-model.js'

/** The features for the epoch after `truth` (oldest first; its last 16 values are used). */
export function featuresOf(truth: readonly number[], featureScale: number): bigint[] {
  if (!(featureScale > 0 && Number.isFinite(featureScale)))
    throw new ZkModelError(`featureScale must be a positive number (got ${featureScale})`)
  if (truth.length < FEATURES)
    throw new ZkModelError(`a verified model needs ${FEATURES} known truth values (has ${truth.length})`)
  const recent = truth.slice(-FEATURES)
  const newest = recent[FEATURES - 1]
  return recent.map((v, i) => toFixed((v - newest) / featureScale, `feature ${i} (truth ${v})`))
}

/** The inference a model output y stands for. */
export function inferenceOf(y: bigint, truth: readonly number[], featureScale: number): number {
  return truth[truth.length - 1] + (Number(y) / Number(SCALE)) * featureScale
}
