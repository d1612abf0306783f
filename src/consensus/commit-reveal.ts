/**
 * Commit-reveal for inferences: in the submission window a worker publishes only
 * H(domain, topic, epoch, signer, value, salt); after the window it reveals value and salt.
 * A copier who sees reveals is too late to commit, and binding the signer into the hash stops
 * it from re-using another worker's commitment.
 */
import { createHash, randomBytes } from 'node:crypto'
import { bytesEqual, encodeCanonical } from '../p2p/index.js'

const COMMIT_DOMAIN = 'chorus/commit/v1'

export function commitmentOf(topicId: string, epoch: number, signer: string, value: number | readonly number[], salt: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(encodeCanonical([COMMIT_DOMAIN, topicId, epoch, signer, value, salt])).digest())
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
