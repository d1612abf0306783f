/**
 * The simulator vector tables (docs/spec/simulator-vectors.md): a header line and one row of
 * plain numbers per epoch. Cells are kept as text and converted on access, so a column the
 * checker never reads (a label, a timestamp) cannot make the whole file unreadable.
 */

export class CsvError extends Error {
  override readonly name = 'CsvError'
  constructor(
    /** 1-based line number in the file. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`)
  }
}

export interface CsvRow {
  /** 1-based line number in the file. */
  readonly line: number
  /** True if the header has this column. */
  has(column: string): boolean
  /**
   * The cell as a number; undefined when the column is absent, the cell is empty or `nan`
   * (what the Python simulator writes for "no value"). Throws a CsvError for other text.
   */
  number(column: string): number | undefined
}

export interface CsvTable {
  readonly header: readonly string[]
  readonly rows: readonly CsvRow[]
}

// Python's float repr and any plain decimal; rejects what Number() would also accept but no
// simulator writes ('0x1f', ' ', 'Infinity').
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const MISSING = /^(|nan|NaN|NAN)$/

export function parseCsv(text: string): CsvTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop()
  if (lines.length === 0) throw new CsvError(1, 'the file is empty (expected a header line)')

  const header = splitLine(lines[0], 1)
  const index = new Map<string, number>()
  header.forEach((name, i) => {
    if (name === '') throw new CsvError(1, `column ${i + 1} has an empty name`)
    if (index.has(name)) throw new CsvError(1, `column "${name}" appears twice`)
    index.set(name, i)
  })

  const rows: CsvRow[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1
    if (lines[i].trim() === '') throw new CsvError(line, 'empty line inside the table')
    const cells = splitLine(lines[i], line)
    if (cells.length !== header.length) {
      throw new CsvError(line, `${cells.length} cells, but the header has ${header.length} columns`)
    }
    rows.push(makeRow(line, cells, index))
  }
  return { header, rows }
}

function splitLine(text: string, line: number): string[] {
  if (text.includes('"'))
    throw new CsvError(line, 'quoted cells are not supported (the vector tables hold plain numbers)')
  return text.split(',').map((cell) => cell.trim())
}

function makeRow(line: number, cells: readonly string[], index: ReadonlyMap<string, number>): CsvRow {
  return {
    line,
    has: (column) => index.has(column),
    number(column) {
      const i = index.get(column)
      if (i === undefined) return undefined
      const cell = cells[i]
      if (MISSING.test(cell)) return undefined
      const value = Number(cell)
      if (!NUMBER.test(cell) || !Number.isFinite(value)) {
        throw new CsvError(line, `column "${column}": not a finite number: ${JSON.stringify(cell.slice(0, 40))}`)
      }
      return value
    },
  }
}
