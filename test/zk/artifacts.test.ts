/**
 * The committed setup (zk/build/) is what the committed circuit compiles to: the circuit is
 * rebuilt here with circom2 and every hash compared with the manifest, and the verification
 * key is the one the proving key holds.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileCircuit } from '../../scripts/zk-circuit.js'
import { ARTIFACTS, readManifest, sha256Hex } from '../../src/zk/artifacts.js'
import { loadSnarkjs, stopSnarkjs } from '../../src/zk/snarkjs.js'

afterAll(() => stopSnarkjs())

describe('the verified-model circuit and its setup', () => {
  it('rebuilds to the committed hashes, with a setup of at least two contributions per phase', async () => {
    const manifest = await readManifest()
    const dir = await mkdtemp(join(tmpdir(), 'chorus-zk-test-'))
    try {
      const compiled = await compileCircuit(dir)
      expect(compiled.compiler).toBe(manifest.compiler)
      expect(compiled.constraints).toBe(manifest.constraints)
      expect(compiled.sourceSha256).toBe(manifest.sha256.source)
      expect(sha256Hex(await readFile(compiled.r1csPath))).toBe(manifest.sha256.r1cs)
      const wasm = await readFile(compiled.wasmPath)
      expect(sha256Hex(wasm)).toBe(manifest.sha256.wasm)
      expect(wasm.equals(await readFile(ARTIFACTS.wasm))).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    expect(sha256Hex(await readFile(ARTIFACTS.zkey))).toBe(manifest.sha256.zkey)
    expect(sha256Hex(await readFile(ARTIFACTS.vkey))).toBe(manifest.sha256.vkey)
    expect(manifest.contributions.filter((c) => c.startsWith('tau ')).length).toBeGreaterThanOrEqual(2)
    expect(manifest.contributions.filter((c) => c.startsWith('circuit ')).length).toBeGreaterThanOrEqual(2)
    const snarkjs = await loadSnarkjs()
    const fromZkey = await snarkjs.zKey.exportVerificationKey({ type: 'mem', data: await readFile(ARTIFACTS.zkey) })
    expect(fromZkey).toEqual(JSON.parse(await readFile(ARTIFACTS.vkey, 'utf8')))
  }, 60_000)
})
