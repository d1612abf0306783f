/**
 * Ground-truth sources from their spec strings (the topic's `groundTruth` field, the
 * `--ground-truth` option):
 *
 * | spec | source |
 * |---|---|
 * | `synthetic` or `synthetic:SEED` | the seeded regime-switching series (seed 1 by default) |
 * | `csv:PATH` or `csv:PATH:COLUMN` | replay of a CSV column (first numeric one by default; COLUMN is a header name or a 1-based number) |
 * | `http:URL` (or a bare `http://…`/`https://…` URL) | GET the URL, `{epoch}` replaced by the epoch |
 *
 * A relative CSV path is resolved against `baseDir` (default: the working directory).
 */
import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { GroundTruthSource } from '../plugins.js'
import { loadCsvSeries } from './csv.js'
import { GroundTruthError } from './errors.js'
import { HttpSeries } from './http.js'
import { SyntheticSeries } from './synthetic.js'

export interface GroundTruthOptions {
  readonly baseDir?: string
  /** Timeout of one HTTP request. @default 5000 */
  readonly httpTimeoutMs?: number
}

export async function createGroundTruth(spec: string, options: GroundTruthOptions = {}): Promise<GroundTruthSource> {
  const [kind, ...restParts] = spec.split(':')
  const rest = restParts.join(':')
  switch (kind) {
    case 'synthetic': {
      if (rest === '') return new SyntheticSeries({ seed: 1 })
      if (!/^-?\d+$/.test(rest)) throw new GroundTruthError(`ground truth "${spec}": the seed must be an integer`)
      return new SyntheticSeries({ seed: Number(rest) })
    }
    case 'csv': {
      if (rest === '')
        throw new GroundTruthError(`ground truth "${spec}": csv needs a path (csv:PATH or csv:PATH:COLUMN)`)
      const { path, column } = splitCsvSpec(rest, options.baseDir)
      return loadCsvSeries(path, column)
    }
    case 'http':
    case 'https': {
      const url = rest.startsWith('//') ? spec : rest
      if (url === '') throw new GroundTruthError(`ground truth "${spec}": http needs a URL (http:URL)`)
      return new HttpSeries(url, { timeoutMs: options.httpTimeoutMs })
    }
    default:
      throw new GroundTruthError(
        `ground truth "${spec}": unknown kind "${kind}" (use synthetic[:SEED], csv:PATH[:COLUMN] or http:URL)`,
      )
  }
}

/**
 * `PATH[:COLUMN]`: if the whole text names an existing file it is the path (paths may hold
 * ':'); otherwise the part after the last ':' is the column.
 */
function splitCsvSpec(text: string, baseDir: string | undefined): { path: string; column: string | undefined } {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir ?? process.cwd(), p))
  const colon = text.lastIndexOf(':')
  if (existsSync(abs(text)) || colon < 0) return { path: abs(text), column: undefined }
  return { path: abs(text.slice(0, colon)), column: text.slice(colon + 1) }
}
