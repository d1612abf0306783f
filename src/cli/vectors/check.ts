/**
 * Recompute every output column of a simulator table with the engine and compare
 * (vectors/README.md). Pure apart from the engine it is given: no I/O, no printing.
 *
 * Counting: one result per value, i.e. per (output column, row). A value is skipped (never
 * passed) when what it depends on is not in the table: the row before the first, or a score
 * history that reaches before the first row.
 */
import type {
  SettleOutput,
  SynthesisOutput,
  SynthesisParams,
  SettleInput,
  SynthesisInput,
  TopicState,
} from '../../synthesis/types.js'
import { CsvError, type CsvTable } from './csv.js'
import { isInputColumn, outputColumns, valueAt, type Need, type OutputColumn } from './columns.js'
import { inferLayout, LayoutError, type VectorLayout } from './layout.js'
import { blankState, scoreHistory, settleInput, stateAfter, synthesisInput, type TaskHistory } from './inputs.js'

/** The engine entry points, passed in so the checker can be tested without the engine. */
export interface Engine {
  synthesizeEpoch(params: SynthesisParams, input: SynthesisInput, state: TopicState): SynthesisOutput
  settleEpoch(params: SynthesisParams, input: SettleInput, state: TopicState): SettleOutput
}

/** The vectors README's tolerance: relative 1e-5, absolute 1e-9 near zero. */
export const RELATIVE_TOLERANCE = 1e-5
export const ABSOLUTE_TOLERANCE = 1e-9

/**
 * |got − expected| scaled so that ≤ RELATIVE_TOLERANCE means "pass": the relative error,
 * except near zero, where the absolute tolerance takes over.
 */
export function scaledError(got: number, expected: number): number {
  const floor = ABSOLUTE_TOLERANCE / RELATIVE_TOLERANCE
  return Math.abs(got - expected) / Math.max(Math.abs(expected), floor)
}

export const SKIP_REASONS: { readonly [N in Need | 'empty']: string } = {
  previousRow: 'needs the state of the row before the first row',
  infererHistory: 'inferer score history reaches before the first row',
  forecasterHistory: 'forecaster score history reaches before the first row',
  empty: 'the table has no value (empty or nan cell)',
}

export type ValueResult =
  | { readonly status: 'pass'; readonly error: number }
  | {
      readonly status: 'fail'
      readonly expected: number
      readonly got: unknown
      readonly error: number
      readonly reason?: string
    }
  | { readonly status: 'skip'; readonly reason: keyof typeof SKIP_REASONS }

export interface CheckedValue {
  readonly column: OutputColumn
  /** The row's `epoch` cell, or its line number when the table has no epoch column. */
  readonly row: string
  readonly result: ValueResult
}

export interface CheckReport {
  readonly layout: VectorLayout
  readonly rowLabels: readonly string[]
  readonly values: readonly CheckedValue[]
  /** Columns of the table that are neither inputs nor known outputs (not checked). */
  readonly unknownColumns: readonly string[]
}

export function checkVectors(table: CsvTable, params: SynthesisParams, engine: Engine): CheckReport {
  const layout = inferLayout(table.header)
  checkConsecutive(table)
  const present = new Set(table.header)
  const all = outputColumns(layout)
  const columns = all.filter((c) => present.has(c.name))
  const known = new Set(all.map((c) => c.name))
  const unknownColumns = table.header.filter((h) => !known.has(h) && !isInputColumn(h))
  const infererScores = layout.inferers.map((_, j) => `inferer_score_${j}`)
  const forecasterScores = layout.forecasters.map((_, k) => `forecaster_score_${k}`)
  const max = params.maxSamplesToScaleScores

  const rowLabels = table.rows.map((row) => {
    const epoch = row.number('epoch')
    return epoch === undefined ? `line ${row.line}` : String(epoch)
  })
  const values: CheckedValue[] = []
  table.rows.forEach((row, r) => {
    const histories: Record<'infererHistory' | 'forecasterHistory', TaskHistory> = {
      infererHistory: scoreHistory(table.rows, r, infererScores, max),
      forecasterHistory: scoreHistory(table.rows, r, forecasterScores, max),
    }
    const history = { inferers: histories.infererHistory.entries, forecasters: histories.forecasterHistory.entries }
    const state =
      r === 0 ? { ...blankState(), scoreHistory: history } : stateAfter(layout, params, table.rows[r - 1], history)

    // Inputs are read outside `run`: a malformed cell is the table's fault, not the engine's.
    const settle = settleInput(layout, row)
    const outputs: Partial<Record<OutputColumn['step'], Outcome>> = {
      settle: run(() => engine.settleEpoch(params, settle, state)),
    }
    // Synthesis needs the previous row's regrets and network loss, so the first row has none.
    if (r > 0) {
      const synthesize = synthesisInput(layout, row)
      outputs.synthesize = run(() => engine.synthesizeEpoch(params, synthesize, state))
    }

    for (const column of columns) {
      const missing = column.needs.find((need) => (need === 'previousRow' ? r === 0 : !histories[need].complete))
      const expected = row.number(column.name)
      let result: ValueResult
      if (missing !== undefined) result = { status: 'skip', reason: missing }
      else if (expected === undefined) result = { status: 'skip', reason: 'empty' }
      else result = compare(outputs[column.step], column, expected)
      values.push({ column, row: rowLabels[r], result })
    }
  })
  return { layout, rowLabels, values, unknownColumns }
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

function run(step: () => unknown): Outcome {
  try {
    return { ok: true, value: step() }
  } catch (err) {
    // One failing epoch must not hide the results of the others: the error is reported on
    // every value of that step.
    return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
  }
}

function compare(outcome: Outcome | undefined, column: OutputColumn, expected: number): ValueResult {
  if (outcome === undefined || !outcome.ok) {
    return { status: 'fail', expected, got: undefined, error: Infinity, reason: outcome?.error ?? 'step not run' }
  }
  const got = valueAt(outcome.value, column.path)
  if (typeof got !== 'number') {
    return {
      status: 'fail',
      expected,
      got,
      error: Infinity,
      reason: `no ${column.path.join('.')} in the ${column.step} output`,
    }
  }
  const error = scaledError(got, expected)
  // `!(a <= b)` so that a NaN output fails.
  if (!(error <= RELATIVE_TOLERANCE)) return { status: 'fail', expected, got, error }
  return { status: 'pass', error }
}

/** Each row is checked with the state of the row above it, so the rows must be one epoch apart. */
function checkConsecutive(table: CsvTable): void {
  if (table.rows.length === 0) throw new LayoutError('the table has a header but no rows')
  for (let r = 1; r < table.rows.length; r++) {
    const previous = table.rows[r - 1].number('epoch')
    const epoch = table.rows[r].number('epoch')
    if (previous !== undefined && epoch !== undefined && epoch !== previous + 1) {
      throw new CsvError(
        table.rows[r].line,
        `epoch ${epoch} does not follow epoch ${previous}: rows must be consecutive epochs`,
      )
    }
  }
}
