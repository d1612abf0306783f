/** Why a synthesis or settle step cannot produce a result (epoch-json §5, §6; docs/spec/math.md §16). */
export type SynthesisErrorCode =
  | 'NO_INFERENCES'
  | 'NO_REPUTERS'
  | 'MISSING_CONSENSUS_VALUE'
  | 'ZERO_STAKE'
  | 'ZERO_LISTENED_STAKE'
  | 'NON_FINITE'
  | 'INVALID_PARAMS'
  | 'INVALID_INPUT'

/** The one error the synthesis engine throws; `code` is a closed set, safe as a metric label. */
export class SynthesisError extends Error {
  override readonly name = 'SynthesisError'
  constructor(
    readonly code: SynthesisErrorCode,
    message: string,
  ) {
    super(message)
  }
}
