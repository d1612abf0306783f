/**
 * How the API writes values in JSON: amounts (bigint) as decimal strings, byte strings
 * (blocks, envelopes) as standard base64 with padding, hashes, ids and keys as lowercase hex,
 * tables by (row id, column id) as nested `{row: {col: value}}` maps without their absent
 * entries, and any other non-finite number as null.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Strict standard base64 (with padding) to bytes; undefined for anything else. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined
  return new Uint8Array(Buffer.from(text, 'base64'))
}

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json }

/** An empty record on a null prototype: every key, even `__proto__`, is an own property. */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

function isIdMatrix(value: object): value is { rows: string[]; cols: string[]; values: Float64Array } {
  const v = value as { rows?: unknown; cols?: unknown; values?: unknown }
  return Array.isArray(v.rows) && Array.isArray(v.cols) && v.values instanceof Float64Array
}

/**
 * A decoded block value (or engine output) as JSON: bigint → decimal string, bytes → base64,
 * an id table (`{rows, cols, values: Float64Array}`) → nested map of its present entries,
 * NaN and ±Infinity → null. Records come out with their keys in ascending order, on a null
 * prototype (an id may be any string).
 */
export function jsonOf(value: unknown): Json {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      return value.toString()
    case 'string':
    case 'boolean':
      return value
    case 'object':
      break
    default:
      return null
  }
  if (value instanceof Uint8Array) return toBase64(value)
  if (value instanceof Float64Array) return Array.from(value, (v) => (Number.isFinite(v) ? v : null))
  if (Array.isArray(value)) return value.map(jsonOf)
  if (value instanceof Map) return jsonOf(Object.fromEntries(value))
  if (value instanceof Set) return [...value].map(jsonOf)
  if (isIdMatrix(value)) {
    const out = record<Record<string, number>>()
    const nc = value.cols.length
    value.rows.forEach((row, r) => {
      const cells = record<number>()
      for (let c = 0; c < nc; c++) {
        const v = value.values[r * nc + c]
        if (Number.isFinite(v)) cells[value.cols[c]] = v
      }
      out[row] = cells
    })
    return out
  }
  const out = record<Json>()
  for (const key of Object.keys(value).sort()) out[key] = jsonOf((value as Record<string, unknown>)[key])
  return out
}
