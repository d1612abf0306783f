/**
 * Compiles the verified-model circuit with circom2 (Circom 2 in WebAssembly, a dev
 * dependency): used by the setup (zk-setup.ts) and by the test that rebuilds the circuit and
 * checks it against the committed manifest.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ARTIFACTS, sha256Hex } from '../src/zk/artifacts.js'

const require = createRequire(import.meta.url)

export interface CompiledCircuit {
  readonly r1csPath: string
  readonly wasmPath: string
  readonly constraints: number
  readonly compiler: string
  readonly sourceSha256: string
}

export async function compileCircuit(outDir: string): Promise<CompiledCircuit> {
  const cli = require.resolve('circom2/cli.js')
  const compiler = `circom2 ${(require('circom2/package.json') as { version: string }).version}`
  const includes = join(require.resolve('circomlib/package.json'), '..', '..')
  const args = [cli, ARTIFACTS.source, '--r1cs', '--wasm', '--O2', '-l', includes, '-o', outDir]
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.on('data', (c: Buffer) => (text += c.toString()))
    child.stderr.on('data', (c: Buffer) => (text += c.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`circom2 failed (exit ${code}):\n${text}`)),
    )
  })
  const match = /non-linear constraints: (\d+)/.exec(output)
  if (match === null) throw new Error(`circom2 printed no constraint count:\n${output}`)
  return {
    r1csPath: join(outDir, 'linear16.r1cs'),
    wasmPath: join(outDir, 'linear16_js', 'linear16.wasm'),
    constraints: Number(match[1]),
    compiler,
    sourceSha256: sha256Hex(await readFile(ARTIFACTS.source)),
  }
}
