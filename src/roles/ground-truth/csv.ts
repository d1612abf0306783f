/**
 * Replays a column of a CSV file as the ground truth: epoch e → data row e (0-based, after
 * the header). The column is named by its header or its 1-based number; by default it is
 * the first column whose first data cell is a number. Empty and `NA` cells are "not known":
 * that epoch is never settled. Anything else that is not a number is an error at load time,
 * naming the file, row and column, because a silently skipped row would shift the series.
 */
import { readFile } from 'node:fs/promises'
import type { GroundTruthSource } from '../plugins.js'
import { GroundTruthError } from './errors.js'

const MISSING = new Set(['', 'na', 'nan', 'null'])

export class CsvSeries implements GroundTruthSource {
  readonly name: string
  readonly length: number

  constructor(
    readonly path: string,
    readonly column: string,
    private readonly values: Float64Array,
  ) {
    this.name = `csv:${path}:${column}`
    this.length = values.length
  }

  valueAt(epoch: number): number | undefined {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch >= this.values.length) return undefined
    const v = this.values[epoch]
    return Number.isNaN(v) ? undefined : v
  }
}

export async function loadCsvSeries(path: string, column?: string): Promise<CsvSeries> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new GroundTruthError(
      `csv ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    )
  }
  return parseCsvSeries(text, path, column)
}

/** Split one CSV line; quotes group a cell (a doubled quote is a literal one). */
function splitLine(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      cells.push(cell.trim())
      cell = ''
    } else cell += ch
  }
  cells.push(cell.trim())
  return cells
}

function numberOf(cell: string): number | undefined {
  if (MISSING.has(cell.toLowerCase())) return Number.NaN
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell)) return undefined
  return Number(cell)
}

/** Parse CSV text (exported for tests); `source` names the file in errors. */
export function parseCsvSeries(text: string, source: string, column?: string): CsvSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length === 0) throw new GroundTruthError(`csv ${source}: the file is empty`)
  const first = splitLine(lines[0])
  const hasHeader = first.some((cell) => numberOf(cell) === undefined)
  const header = hasHeader ? first : first.map((_, i) => String(i + 1))
  const rows = (hasHeader ? lines.slice(1) : lines).map(splitLine)
  if (rows.length === 0) throw new GroundTruthError(`csv ${source}: no data rows`)
  const index = pickColumn(header, rows[0], source, column)
  const values = new Float64Array(rows.length)
  const headerRows = hasHeader ? 1 : 0
  for (let r = 0; r < rows.length; r++) {
    const cell = rows[r][index] ?? ''
    const v = numberOf(cell)
    if (v === undefined) {
      throw new GroundTruthError(
        `csv ${source}: line ${r + 1 + headerRows}, column "${header[index]}": "${cell}" is not a number`,
      )
    }
    values[r] = v
  }
  return new CsvSeries(source, header[index], values)
}

function pickColumn(
  header: readonly string[],
  firstRow: readonly string[],
  source: string,
  column: string | undefined,
): number {
  const names = header.map((h) => `"${h}"`).join(', ')
  if (column === undefined) {
    const i = firstRow.findIndex((cell) => {
      const v = numberOf(cell)
      return v !== undefined && !Number.isNaN(v)
    })
    if (i < 0) throw new GroundTruthError(`csv ${source}: no numeric column (columns: ${names})`)
    return i
  }
  const byName = header.indexOf(column)
  if (byName >= 0) return byName
  if (/^\d+$/.test(column)) {
    const n = Number(column)
    if (n >= 1 && n <= header.length) return n - 1
  }
  throw new GroundTruthError(
    `csv ${source}: no column "${column}" (columns: ${names}, or a number 1..${header.length})`,
  )
}
