/**
 * The wire format, shared by the transport and the ledger: canonical CBOR, the message
 * schemas, signed envelopes and channel names. Pure: no I/O, no libp2p.
 */
export * from './channels.js'
export { CodecError, bytesEqual, decodeCanonical, encodeCanonical } from './codec.js'
export * from './envelope.js'
export * from './messages.js'
export {
  Ed25519Verifier,
  VerifiedMessageCache,
  processVerified,
  publicKeyOf,
  sign,
  signPortable,
  verifyPortable,
} from './signing.js'
