import { nestedOf } from '../../src/synthesis/id-matrix.js'
import { nestedFamily } from '../../src/synthesis/regret-family.js'
import type { IdMatrix, RegretFamily } from '../../src/synthesis/types.js'

const isTable = (v: unknown): v is IdMatrix =>
  typeof v === 'object' && v !== null && (v as IdMatrix).values instanceof Float64Array

/** Nested JSON-like data that tests index freely by id (`any`: the ids are the test's own literals). */
// biome-ignore lint/suspicious/noExplicitAny: the ids are the test's own literals
export type PlainJson = any

/**
 * The value with every engine table (IdMatrix) and regret family replaced by its nested
 * JSON form, deeply: tests compare engine outputs with nested literals and spec JSON.
 */
export function plainOf(value: unknown): PlainJson {
  if (typeof value !== 'object' || value === null) return value
  if (isTable(value)) return plainOf(nestedOf(value))
  const f = value as Partial<RegretFamily>
  if (isTable(f.inferers) && isTable(f.forecasters)) return plainOf(nestedFamily(value as RegretFamily))
  if (Array.isArray(value)) return value.map(plainOf)
  const out: Record<string, unknown> = {}
  // defineProperty: an id such as "__proto__" must stay a plain key.
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, k, { value: plainOf(v), enumerable: true, writable: true, configurable: true })
  return out
}

/** JSON text of an engine value, tables and families in their nested form. */
export function jsonOf(value: unknown): string {
  return JSON.stringify(plainOf(value))
}
