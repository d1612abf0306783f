/**
 * ed25519 signatures over domain-separated bytes. Signing and verifying use Node's native
 * ed25519 (about 10× faster than @noble/ed25519 here: every vote and message is signed once
 * and verified by every receiver), with the parsed key objects cached; noble derives public
 * keys and is the portable reference the tests cross-check against. RFC 8032 signatures are
 * deterministic, so both produce the same bytes.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'

// noble's synchronous API needs a SHA-512; setting it is idempotent.
ed.hashes.sha512 = sha512

export const SIGNATURE_LENGTH = 64
export const PUBLIC_KEY_LENGTH = 32

// DER prefix of a PKCS#8 ed25519 private key (RFC 8410); the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Parsed signing keys, by the secret key array a node holds for its life. */
const signingKeys = new WeakMap<Uint8Array, KeyObject>()

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  let key = signingKeys.get(secretKey)
  if (key === undefined) {
    if (secretKey.length !== 32) throw new Error(`an ed25519 secret key is 32 bytes, not ${secretKey.length}`)
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' })
    signingKeys.set(secretKey, key)
  }
  const signature = nodeSign(null, message, key)
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength)
}

/** The reference (noble) signer: used by tests to cross-check the native path. */
export function signPortable(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(message, secretKey)
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(secretKey)
}

// DER prefix of an SPKI ed25519 public key (RFC 8410); the 32 raw key bytes follow it.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** Native verifier with a bounded cache of parsed public keys (parsing costs as much as a verify). */
export class Ed25519Verifier {
  private readonly keys = new Map<string, KeyObject>()

  /** @param cacheLimit most public keys kept parsed @default 4096 */
  constructor(private readonly cacheLimit = 4096) {}

  /** False for a wrong signature and for malformed keys or signatures; never throws. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== PUBLIC_KEY_LENGTH) return false
    try {
      return nodeVerify(null, message, this.keyObjectFor(publicKey), signature)
    } catch {
      // An invalid point encoding makes createPublicKey throw: that is just a bad signature.
      return false
    }
  }

  private keyObjectFor(publicKey: Uint8Array): KeyObject {
    const id = Buffer.from(publicKey).toString('hex')
    let key = this.keys.get(id)
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
      // Map keeps insertion order: on overflow drop the oldest entry.
      if (this.keys.size >= this.cacheLimit) this.keys.delete(this.keys.keys().next().value as string)
      this.keys.set(id, key)
    }
    return key
  }
}

/**
 * Ids (SHA-256 of the exact envelope bytes) whose signature already verified. Nodes hosted in
 * one process share one, so a message that reaches ten local nodes is verified once: the id
 * binds the bytes, so a hit proves the same signature over the same content verified before.
 */
export class VerifiedMessageCache {
  private readonly ids = new Set<string>()

  /** @param capacity most ids kept; the oldest is dropped first @default 65536 */
  constructor(private readonly capacity = 65_536) {}

  has(idHex: string): boolean {
    return this.ids.has(idHex)
  }

  add(idHex: string): void {
    if (this.ids.size >= this.capacity) this.ids.delete(this.ids.values().next().value as string)
    this.ids.add(idHex)
  }
}

/**
 * The cache every node of this process may share: the nodes of a local cluster pass it to their
 * validators, and every check of fetched or block-carried envelope bytes uses it, so a message
 * that reaches many local nodes, or a vote that comes back in a certificate, is verified once.
 */
export const processVerified = new VerifiedMessageCache()

/** The reference (noble) verifier: used by tests to cross-check the native path. */
export function verifyPortable(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey)
  } catch {
    return false
  }
}
