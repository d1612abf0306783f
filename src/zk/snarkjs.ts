/**
 * snarkjs, loaded only when a topic asks for proofs: it is GPL-3.0 (README, licences) and
 * starts worker threads, so nothing imports it statically. The types are the few calls Chorus
 * makes (snarkjs ships none).
 */

export type BigNumberish = string | bigint | number

export interface Groth16Proof {
  readonly pi_a: readonly string[]
  readonly pi_b: readonly (readonly string[])[]
  readonly pi_c: readonly string[]
  readonly protocol: string
  readonly curve: string
}

export interface MemFile {
  type: 'mem'
  data?: Uint8Array
}

interface Logger {
  info(...a: unknown[]): void
  debug(...a: unknown[]): void
  warn(...a: unknown[]): void
  error(...a: unknown[]): void
}

export interface Snarkjs {
  groth16: {
    fullProve(
      input: Record<string, BigNumberish | readonly BigNumberish[]>,
      wasm: string | Uint8Array,
      zkey: string | Uint8Array | MemFile,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
    verify(vkey: unknown, publicSignals: readonly string[], proof: Groth16Proof): Promise<boolean>
  }
  curves: { getCurveFromName(name: string): Promise<unknown> }
  powersOfTau: {
    newAccumulator(curve: unknown, power: number, out: MemFile, logger?: Logger): Promise<unknown>
    contribute(input: MemFile, out: MemFile, name: string, entropy: string, logger?: Logger): Promise<unknown>
    preparePhase2(input: MemFile, out: MemFile, logger?: Logger): Promise<unknown>
  }
  zKey: {
    newZKey(r1cs: string, ptau: MemFile, out: MemFile, logger?: Logger): Promise<unknown>
    contribute(input: MemFile, out: MemFile, name: string, entropy: string, logger?: Logger): Promise<unknown>
    exportVerificationKey(zkey: MemFile | string, logger?: Logger): Promise<unknown>
  }
}

let loaded: Promise<Snarkjs> | undefined

export function loadSnarkjs(): Promise<Snarkjs> {
  loaded ??= import('snarkjs') as unknown as Promise<Snarkjs>
  return loaded
}

/** Stop snarkjs's worker threads (the curve's), or the process never exits. */
export async function stopSnarkjs(): Promise<void> {
  const curve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128
  await curve?.terminate()
  delete (globalThis as { curve_bn128?: unknown }).curve_bn128
}
