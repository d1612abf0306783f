/**
 * Why a model could not answer. The worker catches it and skips the epoch (the node lives
 * on); `code` is a closed set, safe as a metric label.
 */
export type ModelErrorCode = 'NO_DATA' | 'TIMEOUT' | 'HTTP' | 'PROTOCOL' | 'CRASHED' | 'CLOSED'

export class ModelError extends Error {
  override readonly name = 'ModelError'
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** A model spec that cannot be built; the message names the spec and the field. */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError'
}
