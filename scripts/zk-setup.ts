/**
 * `npx tsx scripts/zk-setup.ts [--contributors N]`: the trusted setup of the verified-model
 * circuit (docs/zk.md). Compiles zk/circuits/linear16.circom with circom2, runs a powers-of-tau
 * ceremony (2^12) and the circuit's Groth16 phase 2, each with N contributions (at least 2,
 * each from fresh random entropy that is then dropped), and writes to zk/build/ the witness
 * generator (linear16.wasm), the proving key (linear16.zkey), the verification key
 * (linear16.vkey.json) and manifest.json: the SHA-256 of the circuit source, its R1CS, each
 * file, and who contributed. The powers-of-tau file is not kept.
 *
 * Whoever learns every contribution's entropy of a phase can forge proofs; one honest
 * contributor who drops theirs is enough. A new ceremony replaces every file, and every node
 * must then use the new verification key.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Hex, ZK_DIR } from '../src/zk/artifacts.js'
import { compileCircuit } from './zk-circuit.js'
import { loadSnarkjs, stopSnarkjs } from '../src/zk/snarkjs.js'

const POWER = 12

function contributorsArg(): number {
  const i = process.argv.indexOf('--contributors')
  const n = i < 0 ? 2 : Number(process.argv[i + 1])
  if (!Number.isInteger(n) || n < 2) {
    process.stderr.write('zk-setup: --contributors must be an integer >= 2\n')
    process.exit(2)
  }
  return n
}

const say = (text: string): boolean => process.stderr.write(`zk-setup: ${text}\n`)

async function main(): Promise<void> {
  const contributors = contributorsArg()
  const started = performance.now()
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`
  const work = await mkdtemp(join(tmpdir(), 'chorus-zk-'))
  try {
    say('compiling the circuit')
    const compiled = await compileCircuit(work)
    say(`compiled: ${compiled.constraints} constraints (${elapsed()})`)
    const snarkjs = await loadSnarkjs()
    const curve = await snarkjs.curves.getCurveFromName('bn128')
    const quiet = { info: () => undefined, debug: () => undefined, warn: say, error: say }
    let tau: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
    await snarkjs.powersOfTau.newAccumulator(curve, POWER, tau, quiet)
    const names: string[] = []
    for (let c = 1; c <= contributors; c++) {
      const next = { type: 'mem' as const }
      await snarkjs.powersOfTau.contribute(tau, next, `tau ${c}`, randomBytes(64).toString('hex'), quiet)
      tau = next
      names.push(`tau ${c}`)
      say(`powers of tau: contribution ${c} of ${contributors} (${elapsed()})`)
    }
    const prepared = { type: 'mem' as const }
    await snarkjs.powersOfTau.preparePhase2(tau, prepared, quiet)
    say(`powers of tau prepared for phase 2 (${elapsed()})`)
    let zkey: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
    await snarkjs.zKey.newZKey(compiled.r1csPath, prepared, zkey, quiet)
    for (let c = 1; c <= contributors; c++) {
      const next = { type: 'mem' as const }
      await snarkjs.zKey.contribute(zkey, next, `circuit ${c}`, randomBytes(64).toString('hex'), quiet)
      zkey = next
      names.push(`circuit ${c}`)
      say(`phase 2: contribution ${c} of ${contributors} (${elapsed()})`)
    }
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey, quiet)
    const build = join(ZK_DIR, 'build')
    await mkdir(build, { recursive: true })
    const zkeyBytes = zkey.data as Uint8Array
    const vkeyText = `${JSON.stringify(vkey, null, 1)}\n`
    const wasm = await readFile(compiled.wasmPath)
    await writeFile(join(build, 'linear16.wasm'), wasm)
    await writeFile(join(build, 'linear16.zkey'), zkeyBytes)
    await writeFile(join(build, 'linear16.vkey.json'), vkeyText)
    const manifest = {
      circuit: 'linear16',
      compiler: compiled.compiler,
      constraints: compiled.constraints,
      powersOfTau: POWER,
      contributions: names,
      sha256: {
        source: compiled.sourceSha256,
        r1cs: sha256Hex(await readFile(compiled.r1csPath)),
        wasm: sha256Hex(wasm),
        zkey: sha256Hex(zkeyBytes),
        vkey: sha256Hex(Buffer.from(vkeyText)),
      },
    }
    await writeFile(join(build, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    say(`wrote zk/build/ (${elapsed()})`)
  } finally {
    await stopSnarkjs()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
