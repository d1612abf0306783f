/**
 * Turns a CheckReport into the lines `chorus synth --vectors` prints: one line per column
 * family with its worst error, the failures, and the closing `N passed, M failed, K skipped`
 * (counts of values: one value = one column in one row).
 */
import { RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE, SKIP_REASONS, type CheckReport, type CheckedValue } from './check.js'

export interface FamilySummary {
  readonly family: string
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  /** Largest scaled error among the values compared (none if all were skipped). */
  readonly worst?: { readonly error: number; readonly column: string; readonly row: string }
}

export interface Summary {
  readonly families: readonly FamilySummary[]
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  /** Skip reason → number of values skipped for it. */
  readonly skipReasons: ReadonlyMap<string, number>
  readonly failures: readonly CheckedValue[]
}

export function summarize(report: CheckReport): Summary {
  const families = new Map<
    string,
    { passed: number; failed: number; skipped: number; worst?: FamilySummary['worst'] }
  >()
  const skipReasons = new Map<string, number>()
  const failures: CheckedValue[] = []
  for (const value of report.values) {
    const { family, name } = value.column
    let f = families.get(family)
    if (f === undefined) families.set(family, (f = { passed: 0, failed: 0, skipped: 0 }))
    const { result } = value
    if (result.status === 'skip') {
      f.skipped++
      skipReasons.set(result.reason, (skipReasons.get(result.reason) ?? 0) + 1)
      continue
    }
    if (result.status === 'pass') f.passed++
    else {
      f.failed++
      failures.push(value)
    }
    // NaN counts as the worst possible error.
    const error = Number.isNaN(result.error) ? Infinity : result.error
    if (f.worst === undefined || error > f.worst.error) f.worst = { error, column: name, row: value.row }
  }
  const list = [...families].map(([family, f]) => ({ family, ...f }))
  const total = (key: 'passed' | 'failed' | 'skipped'): number => list.reduce((n, f) => n + f[key], 0)
  return {
    families: list,
    passed: total('passed'),
    failed: total('failed'),
    skipped: total('skipped'),
    skipReasons,
    failures,
  }
}

/** The last line; its format (`N passed, M failed, K skipped`) is relied on by scripts. */
export function resultLine(summary: Summary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`
}

export function formatReport(report: CheckReport, summary: Summary, maxFailures = 20): string[] {
  const { layout, rowLabels } = report
  const span = rowLabels.length > 1 ? `${rowLabels[0]}–${rowLabels[rowLabels.length - 1]}` : (rowLabels[0] ?? 'none')
  const lines = [
    `${count(rowLabels.length, 'row')} (epochs ${span}), ${count(layout.inferers.length, 'inferer')}, ` +
      `${count(layout.forecasters.length, 'forecaster')}, ${count(layout.reputers.length, 'reputer')}`,
    '',
  ]
  const width = Math.max(6, ...summary.families.map((f) => f.family.length))
  lines.push(`${'family'.padEnd(width)}  passed  failed  skipped  worst error  where`)
  for (const f of summary.families) {
    const worst = f.worst === undefined ? '-' : formatError(f.worst.error)
    const where = f.worst === undefined ? '' : `${f.worst.column} @ ${f.worst.row}`
    lines.push(
      `${f.family.padEnd(width)}  ${pad(f.passed, 6)}  ${pad(f.failed, 6)}  ${pad(f.skipped, 7)}  ${worst.padStart(11)}  ${where}`,
    )
  }
  lines.push('')
  lines.push(
    `error = |got - expected| / max(|expected|, ${(ABSOLUTE_TOLERANCE / RELATIVE_TOLERANCE).toExponential()}); ` +
      `a value passes when error <= ${RELATIVE_TOLERANCE.toExponential()}. One value = one column in one row.`,
  )
  for (const [reason, n] of summary.skipReasons) {
    lines.push(`skipped ${n}: ${SKIP_REASONS[reason as keyof typeof SKIP_REASONS] ?? reason}`)
  }
  if (report.unknownColumns.length > 0) {
    const shown = report.unknownColumns.slice(0, 5).join(', ')
    const more = report.unknownColumns.length > 5 ? `, … (${report.unknownColumns.length} in all)` : ''
    lines.push(`not checked (unknown columns): ${shown}${more}`)
  }
  if (summary.failures.length > 0) {
    lines.push('')
    for (const value of summary.failures.slice(0, maxFailures)) lines.push(formatFailure(value))
    if (summary.failures.length > maxFailures)
      lines.push(`… and ${summary.failures.length - maxFailures} more failures`)
  }
  lines.push(resultLine(summary))
  return lines
}

function formatFailure(value: CheckedValue): string {
  const { result } = value
  if (result.status !== 'fail') return ''
  const where = `FAIL ${value.column.name} @ ${value.row}`
  if (result.reason !== undefined) return `${where}: expected ${result.expected}, ${result.reason}`
  return `${where}: expected ${result.expected}, got ${String(result.got)} (error ${formatError(result.error)})`
}

function formatError(error: number): string {
  if (error === Infinity) return 'no value'
  return error === 0 ? '0' : error.toExponential(1)
}

function pad(n: number, width: number): string {
  return String(n).padStart(width)
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
