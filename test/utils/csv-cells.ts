/** Edit one cell of a vector table's text: `row` counts data rows from 0 (the header is not a row). */
export function setCell(text: string, row: number, column: string, change: (value: number) => number | string): string {
  const lines = text.split('\n')
  const col = lines[0].split(',').indexOf(column)
  if (col < 0) throw new Error(`no column ${column}`)
  const cells = lines[row + 1].split(',')
  cells[col] = String(change(Number(cells[col])))
  lines[row + 1] = cells.join(',')
  return lines.join('\n')
}

/** Drop columns from a vector table's text. */
export function dropColumns(text: string, drop: (name: string) => boolean): string {
  const lines = text.split('\n')
  const keep = lines[0].split(',').map((name) => !drop(name))
  return lines
    .map((line) =>
      line === ''
        ? line
        : line
            .split(',')
            .filter((_, i) => keep[i])
            .join(','),
    )
    .join('\n')
}
