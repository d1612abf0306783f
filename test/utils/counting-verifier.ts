import { Ed25519Verifier } from '../../src/wire/index.js'

/** The native verifier, counting its calls: how tests see what a hostile message costs. */
export class CountingVerifier extends Ed25519Verifier {
  calls = 0
  override verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    this.calls++
    return super.verify(signature, message, publicKey)
  }
}
