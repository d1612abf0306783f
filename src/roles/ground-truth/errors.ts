/** Why a ground-truth source cannot be built or cannot answer; the message names the source. */
export class GroundTruthError extends Error {
  override readonly name = 'GroundTruthError'
}
