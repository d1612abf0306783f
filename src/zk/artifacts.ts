/**
 * Where the verified-model circuit's artifacts live (made once by scripts/zk-setup.ts and
 * committed, docs/zk.md): the witness generator, the proving key, the verification key every
 * node uses, and a manifest with the SHA-256 of each.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { packageFile } from '../util/package-files.js'

/** The package's zk/ directory (circuits/ and build/), from the sources or the build. */
export const ZK_DIR = packageFile('zk')

export const ARTIFACTS = {
  source: join(ZK_DIR, 'circuits', 'linear16.circom'),
  wasm: join(ZK_DIR, 'build', 'linear16.wasm'),
  zkey: join(ZK_DIR, 'build', 'linear16.zkey'),
  vkey: join(ZK_DIR, 'build', 'linear16.vkey.json'),
  manifest: join(ZK_DIR, 'build', 'manifest.json'),
} as const

export interface ZkManifest {
  readonly circuit: string
  readonly compiler: string
  readonly constraints: number
  readonly powersOfTau: number
  readonly contributions: readonly string[]
  readonly sha256: {
    readonly source: string
    readonly r1cs: string
    readonly wasm: string
    readonly zkey: string
    readonly vkey: string
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export async function readManifest(): Promise<ZkManifest> {
  return JSON.parse(await readFile(ARTIFACTS.manifest, 'utf8')) as ZkManifest
}
