/**
 * Commit-reveal for inferences: in the submission window a worker publishes only
 * H(domain, topic, epoch, signer, value, salt); after the window it reveals value and salt.
 * A copier who sees reveals is too late to commit, and binding the signer into the hash stops
 * it from re-using another worker's commitment.
 */
import { createHash, randomBytes } from 'node:crypto'
import { bytesEqual, encodeCanonical, toHex, type Envelope } from '../wire/index.js'
import { ValidationError } from '../p2p/index.js'

const COMMIT_DOMAIN = 'chorus/commit/v1'

export function commitmentOf(
  topicId: string,
  epoch: number,
  signer: string,
  value: number | readonly number[],
  salt: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    createHash('sha256')
      .update(encodeCanonical([COMMIT_DOMAIN, topicId, epoch, signer, value, salt]))
      .digest(),
  )
}

export function newSalt(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(randomBytes(16))
}

export function opensCommitment(
  commitment: Uint8Array,
  topicId: string,
  epoch: number,
  signer: string,
  value: number | readonly number[],
  salt: Uint8Array,
): boolean {
  return bytesEqual(commitment, commitmentOf(topicId, epoch, signer, value, salt))
}

/**
 * The validator rule for a reveal (an inference on a commit-reveal topic): it must open the
 * commitment its signer made for that epoch. Throws the verdict the transport counts.
 */
export function checkReveal(envelope: Envelope, commitmentOf: (signer: string) => Uint8Array | undefined): void {
  const signer = toHex(envelope.signer)
  const commitment = commitmentOf(signer)
  const { value, salt } = envelope.payload as { value: number | number[]; salt?: Uint8Array }
  if (commitment === undefined) throw new ValidationError('reject', 'invalid-content', 'reveal without a commitment')
  if (salt === undefined || !opensCommitment(commitment, envelope.topicId, envelope.epoch, signer, value, salt)) {
    throw new ValidationError('reject', 'invalid-content', 'reveal does not match its commitment')
  }
}
