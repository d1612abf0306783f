/**
 * The verified linear model in exact integers (docs/zk.md): 16 weights, a bias and 16
 * features, each a signed 32-bit fixed-point number of scale 2^16, and
 * y = floor((W·x + b·2^16) / 2^16): W·x has scale 2^32, so the bias is lifted to it and y is
 * in the same fixed point as b. The circuit (zk/circuits/linear16.circom) proves the same
 * computation; this file is what the prover evaluates and what both sides encode with.
 *
 * Field elements are of BN254's scalar field: a negative v is p − |v|.
 */
import { poseidon3, poseidon16 } from 'poseidon-lite'

export const FEATURES = 16
/** Fixed-point scale of weights, bias and features. */
export const SCALE = 1n << 16n
const MIN = -(1n << 31n)
const MAX = (1n << 31n) - 1n
/** BN254's scalar field modulus. */
export const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export interface LinearWeights {
  /** 16 weights, fixed point (scale 2^16). */
  readonly w: readonly bigint[]
  readonly b: bigint
  /** Random, private: it keeps the commitment from revealing weights that can be guessed. */
  readonly salt: bigint
}

export class ZkModelError extends Error {
  override readonly name = 'ZkModelError'
}

/** Checks that `v` is a signed 32-bit integer, naming `what` otherwise. */
export function checkFixed(v: bigint, what: string): bigint {
  if (v < MIN || v > MAX) throw new ZkModelError(`${what} = ${v} is outside the signed 32-bit range [${MIN}, ${MAX}]`)
  return v
}

/** A real number as fixed point (round to nearest), range-checked. */
export function toFixed(x: number, what: string): bigint {
  if (!Number.isFinite(x)) throw new ZkModelError(`${what} must be a finite number (got ${x})`)
  const scaled = Math.round(x * Number(SCALE))
  if (!(scaled >= Number(MIN) && scaled <= Number(MAX)))
    throw new ZkModelError(
      `${what} = ${x} is outside the fixed-point range [${Number(MIN) / Number(SCALE)}, ${Number(MAX) / Number(SCALE)}]`,
    )
  return BigInt(scaled)
}

export function toField(v: bigint): bigint {
  return v < 0n ? FIELD + v : v
}

/** The inverse of toField for small values: f > p/2 is negative. */
export function fromField(f: bigint): bigint {
  return f > FIELD / 2n ? f - FIELD : f
}

export function checkWeights(m: LinearWeights): void {
  if (m.w.length !== FEATURES) throw new ZkModelError(`a verified model has ${FEATURES} weights (got ${m.w.length})`)
  m.w.forEach((v, i) => checkFixed(v, `weight ${i}`))
  checkFixed(m.b, 'bias')
  if (m.salt < 0n || m.salt >= FIELD) throw new ZkModelError('the salt must be a field element (0 <= salt < p)')
}

export function checkFeatures(x: readonly bigint[]): void {
  if (x.length !== FEATURES) throw new ZkModelError(`a verified model reads ${FEATURES} features (got ${x.length})`)
  x.forEach((v, i) => checkFixed(v, `feature ${i}`))
}

/** C = Poseidon(Poseidon(W), b, salt), as the circuit computes it. */
export function commitmentOf(m: LinearWeights): bigint {
  checkWeights(m)
  return poseidon3([poseidon16(m.w.map(toField)), toField(m.b), m.salt])
}

/** y = floor((W·x + b·2^16) / 2^16), exactly. */
export function evaluate(m: LinearWeights, x: readonly bigint[]): bigint {
  checkWeights(m)
  checkFeatures(x)
  let acc = m.b * SCALE
  for (let i = 0; i < FEATURES; i++) acc += m.w[i] * x[i]
  // BigInt division truncates towards 0; the circuit floors.
  const q = acc / SCALE
  return acc < 0n && q * SCALE !== acc ? q - 1n : q
}
