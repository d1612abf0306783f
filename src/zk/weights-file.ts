/**
 * A verified model's weights file (`--model zk-linear:WEIGHTS.json`, docs/zk.md). It never
 * leaves the worker: only the commitment to it is published.
 *
 *   {"weights": [16 numbers], "bias": 0.5, "salt": "1234…"}
 *
 * Weights and bias are real numbers, stored as signed 32-bit fixed point (scale 2^16); the salt
 * is a decimal string of a field element, random and private (without it, weights that can be
 * guessed could be checked against the commitment). Every error names the file and the field.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { FEATURES, FIELD, toFixed, ZkModelError, type LinearWeights } from './linear-model.js'

/** Read once, at start (a worker's model is built before it runs). */
export function readWeightsFile(path: string): LinearWeights {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ZkModelError(`${path}: cannot read the weights file (${(err as NodeJS.ErrnoException).code ?? err})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ZkModelError(`${path}: not JSON`)
  }
  return parseWeights(raw, path)
}

export function parseWeights(raw: unknown, source: string): LinearWeights {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ZkModelError(`${source}: expected an object {weights, bias, salt}`)
  const o = raw as Record<string, unknown>
  const weights = o.weights
  if (!Array.isArray(weights) || weights.length !== FEATURES)
    throw new ZkModelError(`${source}: weights must be a list of ${FEATURES} numbers`)
  const w = weights.map((v, i) => {
    if (typeof v !== 'number') throw new ZkModelError(`${source}: weights[${i}] must be a number`)
    return toFixed(v, `${source}: weights[${i}]`)
  })
  if (typeof o.bias !== 'number') throw new ZkModelError(`${source}: bias must be a number`)
  const b = toFixed(o.bias, `${source}: bias`)
  if (typeof o.salt !== 'string' || !/^[0-9]{1,78}$/.test(o.salt))
    throw new ZkModelError(`${source}: salt must be a decimal string (make one with newSalt())`)
  const salt = BigInt(o.salt)
  if (salt >= FIELD) throw new ZkModelError(`${source}: salt must be less than the field modulus`)
  for (const key of Object.keys(o))
    if (!['weights', 'bias', 'salt'].includes(key)) throw new ZkModelError(`${source}: unknown field "${key}"`)
  return { w, b, salt }
}

/** A random salt: 31 bytes, below the field modulus. */
export function newSalt(): string {
  return BigInt(`0x${randomBytes(31).toString('hex')}`).toString()
}
