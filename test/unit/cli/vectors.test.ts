/**
 * The vectors checker on its own: tables of any size, made up here, checked against a fake
 * engine that answers with the table's own values. (test/spec/vectors.test.ts runs the real
 * engine on the real table.)
 */
import { describe, expect, it } from 'vitest'
import { checkVectors, scaledError, type Engine } from '../../../src/cli/vectors/check.js'
import { outputColumns } from '../../../src/cli/vectors/columns.js'
import { CsvError, parseCsv, type CsvTable } from '../../../src/cli/vectors/csv.js'
import { inferLayout, LayoutError, type VectorLayout } from '../../../src/cli/vectors/layout.js'
import { formatReport, summarize } from '../../../src/cli/vectors/report.js'
import { SynthesisError } from '../../../src/synthesis/errors.js'
import { SIMULATOR_PARAMS } from '../../../src/synthesis/params.js'
import type { SettleOutput, SynthesisOutput } from '../../../src/synthesis/types.js'
import { dropColumns, setCell } from '../../utils/csv-cells.js'

function inputColumns(nI: number, nF: number, nR: number): string[] {
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
  const lossNames = [
    ...range(nI).map((j) => `inference_${j}`),
    ...range(nF).map((k) => `forecast_implied_inference_${k}`),
    ...range(nF).flatMap((k) => range(nI).map((l) => `forecast_implied_inference_${k}_oneout_${l}`)),
    'network_inference',
    'naive_network_inference',
    ...range(nI + nF).map((l) => `network_inference_oneout_${l}`),
    ...range(nF).map((k) => `naive_network_inference_onein_${k}`),
  ]
  return [
    'epoch',
    ...range(nI).map((j) => `inference_${j}`),
    ...range(nF).flatMap((k) => range(nI).map((j) => `forecasted_loss_${k}_for_${j}`)),
    ...range(nR).map((m) => `reputer_stake_${m}`),
    ...range(nR).flatMap((m) => lossNames.map((n) => `reputer_${m}_loss_${n}`)),
    'topic_rewards',
  ]
}

/** A table whose every cell is distinct, so a row can be recognised by any one of its values. */
function makeTable(nI: number, nF: number, nR: number, rows: number): string {
  const probe = inferLayout(inputColumns(nI, nF, nR).concat('network_loss'))
  const header = [...new Set([...inputColumns(nI, nF, nR), ...outputColumns(probe).map((c) => c.name)])]
  const lines = [header.join(',')]
  for (let r = 0; r < rows; r++) {
    lines.push(header.map((name, i) => (name === 'epoch' ? String(500 + r) : String(0.25 + r + i / 10_000))).join(','))
  }
  return `${lines.join('\n')}\n`
}

function setAt(root: Record<string | number, unknown>, path: readonly (string | number)[], value: number): void {
  let node = root
  path.slice(0, -1).forEach((key, i) => {
    if (node[key] === undefined) node[key] = typeof path[i + 1] === 'number' ? [] : {}
    node = node[key] as Record<string | number, unknown>
  })
  node[path[path.length - 1]] = value
}

/** An engine that answers each epoch with the values its own row holds. */
function oracle(table: CsvTable, layout: VectorLayout, failSettleAtRow?: number): Engine & { calls: string[] } {
  const columns = outputColumns(layout)
  const answer = (r: number, step: 'synthesize' | 'settle'): unknown => {
    const out: Record<string, unknown> = {}
    for (const c of columns.filter((c) => c.step === step)) {
      const v = table.rows[r].number(c.name)
      if (v !== undefined) setAt(out, c.path, v)
    }
    return out
  }
  const calls: string[] = []
  return {
    calls,
    synthesizeEpoch(_params, input) {
      const r = table.rows.findIndex((row) => row.number('inference_0') === input.inferences[layout.inferers[0]])
      calls.push(`synthesize ${r}`)
      return answer(r, 'synthesize') as SynthesisOutput
    },
    settleEpoch(_params, input) {
      const r = table.rows.findIndex((row) => row.number('topic_rewards') === input.topicReward)
      calls.push(`settle ${r}`)
      if (r === failSettleAtRow) throw new SynthesisError('ZERO_LISTENED_STAKE', 'no stake listened to')
      return answer(r, 'settle') as SettleOutput
    },
  }
}

describe('inferLayout', () => {
  it('counts participants from the header and gives ids that sort like the indices', () => {
    const layout = inferLayout(parseCsv(makeTable(7, 5, 11, 1)).header)
    expect(layout.inferers).toEqual(['w00', 'w01', 'w02', 'w03', 'w04', 'w05', 'w06'])
    expect(layout.forecasters).toEqual(['w07', 'w08', 'w09', 'w10', 'w11'])
    expect(layout.reputers.slice(9)).toEqual(['r09', 'r10'])
    const all = [...layout.inferers, ...layout.forecasters]
    expect([...all].sort()).toEqual(all)
  })

  it('uses w0..w7 and r0..r4 for the simulator sizes, as the reference epoch files do', () => {
    const layout = inferLayout(parseCsv(makeTable(5, 3, 5, 1)).header)
    expect([...layout.inferers, ...layout.forecasters]).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'])
    expect(layout.reputers).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
  })

  it('explains what is missing', () => {
    expect(() => inferLayout(['epoch', 'target'])).toThrow(LayoutError)
    expect(() => inferLayout(['inference_0', 'inference_2', 'reputer_stake_0'])).toThrow(
      /inference_j columns must be numbered 0\.\.1, found 0, 2/,
    )
    const noStake = dropColumns(makeTable(2, 1, 2, 1), (n) => n === 'reputer_1_loss_naive_network_inference')
    expect(() => inferLayout(parseCsv(noStake).header)).toThrow(
      'missing column: reputer_1_loss_naive_network_inference',
    )
  })
})

describe('parseCsv', () => {
  it('reads numbers, empty and nan cells, CRLF line ends', () => {
    const table = parseCsv('a,b,c\r\n1.5,,nan\r\n-2e-3,3,4\r\n\r\n')
    expect(table.header).toEqual(['a', 'b', 'c'])
    expect(table.rows.map((r) => [r.number('a'), r.number('b'), r.number('c'), r.number('zz')])).toEqual([
      [1.5, undefined, undefined, undefined],
      [-0.002, 3, 4, undefined],
    ])
  })

  it('names the line and the column of a bad cell', () => {
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow(new CsvError(2, '3 cells, but the header has 2 columns'))
    expect(() => parseCsv('a,a\n1,2\n')).toThrow('line 1: column "a" appears twice')
    const table = parseCsv('a,b\n1,0x10\n')
    expect(() => table.rows[0].number('b')).toThrow('line 2: column "b": not a finite number: "0x10"')
  })
})

describe('checkVectors', () => {
  const params = SIMULATOR_PARAMS

  it('passes what the engine reproduces and skips what reaches before the first row', () => {
    // 2 inferers, 1 forecaster: the spread sample of 10 entries needs 4 earlier rows of
    // inferer scores and 9 of forecaster scores.
    const table = parseCsv(makeTable(2, 1, 2, 5))
    const layout = inferLayout(table.header)
    const engine = oracle(table, layout)
    const report = checkVectors(table, params, engine)
    const summary = summarize(report)
    expect(summary.failed).toBe(0)
    expect(summary.passed + summary.skipped).toBe(5 * outputColumns(layout).length)
    const checkedAt = (name: string): string[] =>
      report.values.filter((v) => v.column.name === name && v.result.status === 'pass').map((v) => v.row)
    expect(checkedAt('network_loss')).toEqual(['500', '501', '502', '503', '504'])
    expect(checkedAt('inferer_score_1')).toEqual(['500', '501', '502', '503', '504'])
    expect(checkedAt('network_inference')).toEqual(['501', '502', '503', '504'])
    expect(checkedAt('inference_regret_worker_2_oneout_0')).toEqual(['501', '502', '503', '504'])
    expect(checkedAt('inferer_reward_fraction_0')).toEqual(['504'])
    expect(checkedAt('forecaster_reward_fraction_0')).toEqual([])
    expect(checkedAt('inferer_reward_1')).toEqual([])
    expect(engine.calls).toEqual([
      'settle 0',
      'settle 1',
      'synthesize 1',
      'settle 2',
      'synthesize 2',
      'settle 3',
      'synthesize 3',
      'settle 4',
      'synthesize 4',
    ])
  })

  it('fails only the changed value, by more than the tolerance', () => {
    const text = makeTable(3, 2, 2, 3)
    const table = parseCsv(setCell(text, 2, 'forecast_implied_inference_1_oneout_2', (v) => v * (1 + 1e-4)))
    const summary = summarize(checkVectors(table, params, oracle(parseCsv(text), inferLayout(table.header))))
    expect(summary.failures.map((f) => `${f.column.name} @ ${f.row}`)).toEqual([
      'forecast_implied_inference_1_oneout_2 @ 502',
    ])
    expect(summary.families.find((f) => f.family === 'forecast_implied_inference_oneout')?.failed).toBe(1)
  })

  it('reports an engine error on every value of that step and row, and goes on', () => {
    const table = parseCsv(makeTable(2, 2, 3, 3))
    const layout = inferLayout(table.header)
    const summary = summarize(checkVectors(table, params, oracle(table, layout, 1)))
    const rows = new Set(summary.failures.map((f) => f.row))
    expect([...rows]).toEqual(['501'])
    expect(summary.failures.every((f) => f.column.step === 'settle')).toBe(true)
    const first = summary.failures[0].result
    expect(first.status === 'fail' && first.reason).toBe('SynthesisError: no stake listened to')
    expect(summary.passed).toBeGreaterThan(0)
  })

  it('skips empty cells and checks a table with output columns left out', () => {
    let text = setCell(makeTable(2, 1, 1, 2), 1, 'network_inference', () => 'nan')
    text = dropColumns(text, (n) => n.startsWith('inference_regret_worker_'))
    const table = parseCsv(text)
    const report = checkVectors(table, params, oracle(table, inferLayout(table.header)))
    const summary = summarize(report)
    expect(summary.failed).toBe(0)
    expect(summary.skipReasons.get('empty')).toBe(1)
    expect(report.values.some((v) => v.column.family === 'regret_oneout')).toBe(false)
  })

  it('wants consecutive epochs and at least one row', () => {
    const gap = parseCsv(setCell(makeTable(2, 1, 1, 3), 2, 'epoch', () => 503))
    expect(() => checkVectors(gap, params, oracle(gap, inferLayout(gap.header)))).toThrow(
      'line 4: epoch 503 does not follow epoch 501: rows must be consecutive epochs',
    )
    const empty = parseCsv(makeTable(2, 1, 1, 0))
    expect(() => checkVectors(empty, params, oracle(empty, inferLayout(empty.header)))).toThrow(
      'the table has a header but no rows',
    )
  })

  it('lists columns it does not know', () => {
    const text = makeTable(2, 1, 1, 2)
      .replace('epoch,', 'epoch,mystery,')
      .replace(/\n(\d+),/g, '\n$1,7,')
    const table = parseCsv(text)
    const report = checkVectors(table, params, oracle(table, inferLayout(table.header)))
    expect(report.unknownColumns).toEqual(['mystery'])
    expect(formatReport(report, summarize(report))).toContain('not checked (unknown columns): mystery')
  })
})

describe('report', () => {
  it('ends with "N passed, M failed, K skipped"', () => {
    const table = parseCsv(makeTable(2, 1, 1, 2))
    const report = checkVectors(table, SIMULATOR_PARAMS, oracle(table, inferLayout(table.header)))
    const lines = formatReport(report, summarize(report))
    expect(lines[lines.length - 1]).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/)
    expect(lines[0]).toBe('2 rows (epochs 500–501), 2 inferers, 1 forecaster, 1 reputer')
  })

  it('scales errors: relative, with an absolute floor near zero', () => {
    expect(scaledError(1.00001, 1)).toBeCloseTo(1e-5, 12)
    expect(scaledError(1e-10, 0)).toBeCloseTo(1e-6, 12)
    expect(scaledError(2e-9, 1e-9) <= 1e-5).toBe(true)
    expect(scaledError(1e-8, 0) <= 1e-5).toBe(false)
  })
})
