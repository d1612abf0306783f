/**
 * The engine against the simulator table (test/spec/vectors/simulator_epochs_300_303.csv,
 * docs/spec/simulator-vectors.md): every output column of the format, recomputed
 * from each row's inputs and the state stored in the row before.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkVectors, type CheckReport } from '../../src/cli/vectors/check.js'
import { outputColumns } from '../../src/cli/vectors/columns.js'
import { parseCsv } from '../../src/cli/vectors/csv.js'
import { scoreHistory, settleInput, stateAfter, synthesisInput } from '../../src/cli/vectors/inputs.js'
import { inferLayout } from '../../src/cli/vectors/layout.js'
import { summarize } from '../../src/cli/vectors/report.js'
import { writeEpochFile } from '../../src/synthesis/epoch-json.js'
import { SIMULATOR_PARAMS } from '../../src/synthesis/params.js'
import { settleEpoch } from '../../src/synthesis/settle.js'
import { synthesizeEpoch } from '../../src/synthesis/synthesize.js'
import { setCell } from '../utils/csv-cells.js'

const VECTORS = fileURLToPath(new URL('./vectors/', import.meta.url))
const CSV = readFileSync(`${VECTORS}simulator_epochs_300_303.csv`, 'utf8')
const ENGINE = { synthesizeEpoch, settleEpoch }

const check = (text: string): CheckReport => checkVectors(parseCsv(text), SIMULATOR_PARAMS, ENGINE)

describe('simulator_epochs_300_303.csv', () => {
  const report = check(CSV)
  const summary = summarize(report)

  it('passes in every column family', () => {
    expect(summary.failures.map((f) => `${f.column.name} @ ${f.row}`)).toEqual([])
    for (const family of summary.families) {
      expect(family.failed, family.family).toBe(0)
      expect(family.passed, family.family).toBeGreaterThan(0)
    }
    // Every family of the vectors README is present.
    expect(summary.families.map((f) => f.family)).toHaveLength(32)
  })

  it('checks every output value the rows make checkable, and skips the rest', () => {
    // 461 columns, of which 208 are inputs: 253 output columns × 4 rows.
    expect(outputColumns(report.layout)).toHaveLength(253)
    expect(summary.passed + summary.failed + summary.skipped).toBe(4 * 253)
    // Row 300: only consensus losses (36) and scores (9) stand alone. Rows 301 and 302: all
    // but the 23 values that need forecaster scores from before row 300. Row 303: all.
    expect(summary.passed).toBe(45 + 2 * (253 - 23) + 253)
    expect(summary.skipped).toBe(253 - 45 + 2 * 23)
    const checkedAt = (name: string): string[] =>
      report.values.filter((v) => v.column.name === name && v.result.status !== 'skip').map((v) => v.row)
    expect(checkedAt('forecaster_reward_fraction_0')).toEqual(['303'])
    expect(checkedAt('inferer_reward_fraction_0')).toEqual(['301', '302', '303'])
    expect(checkedAt('network_loss')).toEqual(['300', '301', '302', '303'])
    expect(checkedAt('network_inference')).toEqual(['301', '302', '303'])
    expect(report.unknownColumns).toEqual([])
  })

  it('fails exactly the corrupted value', () => {
    const corrupted = summarize(check(setCell(CSV, 2, 'network_inference_oneout_6', (v) => v * 1.0001)))
    expect(corrupted.failed).toBe(1)
    expect(corrupted.passed).toBe(summary.passed - 1)
    expect(corrupted.failures.map((f) => `${f.column.name} @ ${f.row}`)).toEqual(['network_inference_oneout_6 @ 302'])
    const family = corrupted.families.find((f) => f.family === 'network_inference_oneout')
    expect(family?.failed).toBe(1)
  })

  it('tolerates 1e-5 relative, not more', () => {
    const within = summarize(check(setCell(CSV, 3, 'reputer_reward_2', (v) => v * (1 + 9e-6))))
    expect(within.failed).toBe(0)
    const beyond = summarize(check(setCell(CSV, 3, 'reputer_reward_2', (v) => v * (1 + 2e-5))))
    expect(beyond.failures.map((f) => f.column.name)).toEqual(['reputer_reward_2'])
  })
})

describe('table rows → epoch inputs', () => {
  // The reference epoch files were built from the same table; the checker must build the
  // same inputs and states from it (ids, initial_regret rule, score history).
  const table = parseCsv(CSV)
  const layout = inferLayout(table.header)

  it.each([1, 2, 3])('row %i gives vectors/epochs/epoch_30%i.json', (r) => {
    const file = JSON.parse(readFileSync(`${VECTORS}epochs/epoch_30${r}.json`, 'utf8')) as Record<string, unknown>
    const max = SIMULATOR_PARAMS.maxSamplesToScaleScores
    const history = {
      inferers: scoreHistory(
        table.rows,
        r,
        layout.inferers.map((_, j) => `inferer_score_${j}`),
        max,
      ).entries,
      forecasters: scoreHistory(
        table.rows,
        r,
        layout.forecasters.map((_, k) => `forecaster_score_${k}`),
        max,
      ).entries,
    }
    const state = stateAfter(layout, SIMULATOR_PARAMS, table.rows[r - 1], history)
    const built = writeEpochFile({
      synthesize: { params: SIMULATOR_PARAMS, input: synthesisInput(layout, table.rows[r]), state },
      settle: { params: SIMULATOR_PARAMS, input: settleInput(layout, table.rows[r]), state },
    })
    expect(JSON.parse(JSON.stringify(built))).toEqual({ synthesize: file.synthesize, settle: file.settle })
  })
})
