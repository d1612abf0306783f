/**
 * The node's persistent ed25519 identity. One key is both the libp2p peer identity and the
 * signer of every application envelope, so a signer and its peer id are bound.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface'
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

export class IdentityError extends Error {
  override readonly name = 'IdentityError'
}

/** The raw key material the rest of Chorus needs; libp2p types stay inside src/p2p. */
export interface NodeIdentity {
  /** 32-byte ed25519 seed (the secret key noble signs with). */
  readonly secretKey: Uint8Array
  /** 32-byte ed25519 public key; its lowercase hex is the participant / account id. */
  readonly publicKey: Uint8Array
  /** @internal the libp2p key object, for createLibp2p. */
  readonly libp2pKey: PrivateKey
}

function toIdentity(key: PrivateKey, source: string): NodeIdentity {
  if (key.type !== 'Ed25519') throw new IdentityError(`${source}: key type ${key.type} is not Ed25519`)
  const raw = (key as Ed25519PrivateKey).raw
  if (raw.length !== 64) throw new IdentityError(`${source}: ed25519 key has ${raw.length} bytes, expected 64`)
  return { secretKey: raw.subarray(0, 32), publicKey: raw.subarray(32, 64), libp2pKey: key }
}

export async function generateIdentity(): Promise<NodeIdentity> {
  return toIdentity(await generateKeyPair('Ed25519'), 'generated key')
}

/**
 * Load the key at `path`, or create it (mode 0600) if the file does not exist. A file that
 * exists but does not hold an ed25519 key is an error, never silently replaced: replacing it
 * would change the node's identity and orphan its stake.
 */
export async function loadOrCreateIdentity(path: string): Promise<NodeIdentity> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IdentityError(`cannot read key file ${path}: ${(err as Error).message}`)
    }
    const identity = await generateIdentity()
    await writeKeyFile(path, privateKeyToProtobuf(identity.libp2pKey))
    return identity
  }
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityError(
      `key file ${path} is corrupt (${(err as Error).message}); move it away to create a new identity`,
    )
  }
  return toIdentity(key, `key file ${path}`)
}

/** Load the key at `path`; a missing or corrupt file is an error naming the file. */
export async function loadIdentity(path: string): Promise<NodeIdentity> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new IdentityError(
      `cannot read key file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    )
  }
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityError(`key file ${path} is corrupt (${(err as Error).message})`)
  }
  return toIdentity(key, `key file ${path}`)
}

/** Save an identity to a key file (mode 0600), e.g. to hand a generated key to another process. */
export async function saveIdentity(path: string, identity: NodeIdentity): Promise<void> {
  await writeKeyFile(path, privateKeyToProtobuf(identity.libp2pKey))
}

/** Write atomically (temp file + rename) so a crash never leaves a half-written key. */
async function writeKeyFile(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

/** The libp2p peer id (base58) of a participant, from the hex of its ed25519 public key. */
export function peerIdOfParticipant(participantHex: string): string {
  return peerIdFromPublicKey(publicKeyFromRaw(Buffer.from(participantHex, 'hex'))).toString()
}

/** The participant a peer id is bound to (its ed25519 key, hex); undefined for a peer id of another key type. */
export function participantOfPeerId(peerId: string): string | undefined {
  try {
    const id = peerIdFromString(peerId)
    return id.type === 'Ed25519' ? Buffer.from(id.publicKey.raw).toString('hex') : undefined
  } catch {
    return undefined
  }
}
