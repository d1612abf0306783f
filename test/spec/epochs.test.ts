/**
 * The reference epochs (docs/spec/epoch-json.md §8, in test/spec/vectors/epochs/):
 * parse → synthesize / settle → write, compared with each file's `expected` by the rules of
 * epoch-json §7.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseEpochFile, writeEpochOutput } from '../../src/synthesis/epoch-json.js'
import { settleEpoch } from '../../src/synthesis/settle.js'
import { synthesizeEpoch } from '../../src/synthesis/synthesize.js'
import type { SettleOutput, SynthesisOutput } from '../../src/synthesis/types.js'
import { compareEpochOutput } from '../utils/expect-epoch.js'

const DIR = fileURLToPath(new URL('./vectors/epochs/', import.meta.url))
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()

function run(file: string): { output: unknown; expected: unknown } {
  const json = JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) as { expected?: unknown }
  const epoch = parseEpochFile(json)
  const out: { synthesize?: SynthesisOutput; settle?: SettleOutput } = {}
  if (epoch.synthesize)
    out.synthesize = synthesizeEpoch(epoch.synthesize.params, epoch.synthesize.input, epoch.synthesize.state)
  if (epoch.settle) out.settle = settleEpoch(epoch.settle.params, epoch.settle.input, epoch.settle.state)
  // Through JSON text, as `chorus synth --epoch` prints it.
  return { output: JSON.parse(JSON.stringify(writeEpochOutput(out))), expected: json.expected }
}

function countNumbers(value: unknown): number {
  if (typeof value === 'number') return 1
  if (typeof value !== 'object' || value === null) return 0
  return Object.values(value).reduce((n: number, v) => n + countNumbers(v), 0)
}

describe('reference epochs', () => {
  it('are all here', () => {
    expect(FILES).toEqual(['epoch_301.json', 'epoch_302.json', 'epoch_303.json', 'spec_example_synthesize.json'])
  })

  it.each(FILES)('%s matches its expected output', (file) => {
    const { output, expected } = run(file)
    const { mismatches, compared } = compareEpochOutput(output, expected)
    expect(mismatches).toEqual([])
    // Every number of `expected` was looked at.
    expect(compared).toBe(countNumbers(expected))
    expect(compared).toBeGreaterThan(file.startsWith('epoch_') ? 200 : 20)
  })

  it('only epoch 303 can check the payout (epoch-json §8)', () => {
    const settleKeys = (file: string): string[] => Object.keys((run(file).expected as { settle: object }).settle)
    expect(settleKeys('epoch_303.json')).toEqual(expect.arrayContaining(['rewards', 'task_reward_fractions']))
    expect(settleKeys('epoch_302.json')).not.toContain('rewards')
  })
})

describe('the comparator (epoch-json §7)', () => {
  const expected = { settle: { inferer_scores: { w0: 1, w1: -2e-10 }, reward_fractions: { inferers: { w0: 0.5 } } } }
  const output = (scores: Record<string, number>, fractions: Record<string, number> = { w0: 0.5 }): unknown => ({
    settle: { inferer_scores: scores, reward_fractions: { inferers: fractions, forecasters: { w9: 1 } }, other: 1 },
  })

  it('passes within 1e-6 relative (1e-9 absolute near zero), ignoring fields not expected', () => {
    expect(compareEpochOutput(output({ w0: 1 + 9e-7, w1: 7e-10 }), expected)).toEqual({ mismatches: [], compared: 3 })
  })

  it('fails outside the tolerance, naming the path', () => {
    const { mismatches } = compareEpochOutput(output({ w0: 1.000002, w1: 0 }), expected)
    expect(mismatches).toHaveLength(1)
    expect(mismatches[0]).toMatch(/^settle\.inferer_scores\.w0: expected 1, got 1\.000002/)
  })

  it('wants exactly the expected ids in an id map', () => {
    const { mismatches } = compareEpochOutput(output({ w0: 1, w1: 0, w2: 3 }, {}), expected)
    expect(mismatches).toEqual([
      'settle.inferer_scores: unexpected ids w2',
      'settle.reward_fractions.inferers: missing ids w0',
    ])
  })

  it('wants lists of the expected length', () => {
    const { mismatches } = compareEpochOutput({ a: [1, 2] }, { a: [1, 2, 3] })
    expect(mismatches).toEqual(['a: expected 3 entries, got 2'])
  })
})
