/**
 * `chorus synth` as a user runs it: a child process, exit status, stdout and stderr.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { compareEpochOutput } from '../../utils/expect-epoch.js'
import { setCell } from '../../utils/csv-cells.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const EPOCH_303 = 'test/spec/vectors/epochs/epoch_303.json'
const VECTORS = 'test/spec/vectors/simulator_epochs_300_303.csv'
const RESULT_LINE = /^\d+ passed, \d+ failed(, \d+ skipped)?$/

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `chorus ...args` from the repository root, through tsx as `npm run chorus` does. */
function chorus(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const lastLine = (text: string): string => text.trimEnd().split('\n').pop() ?? ''

const tmp = mkdtempSync(join(tmpdir(), 'chorus-synth-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
function tmpFile(name: string, content: string): string {
  const path = join(tmp, name)
  writeFileSync(path, content)
  return path
}

describe('chorus synth --epoch', () => {
  it('prints the output JSON of both steps and exits 0', async () => {
    const run = await chorus('synth', '--epoch', EPOCH_303)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const output = JSON.parse(run.stdout) as Record<string, unknown>
    expect(Object.keys(output)).toEqual(['synthesize', 'settle'])
    const { expected } = JSON.parse(readFileSync(join(ROOT, EPOCH_303), 'utf8')) as { expected: unknown }
    expect(compareEpochOutput(output, expected).mismatches).toEqual([])
  })

  it('runs only the steps the file holds', async () => {
    const { synthesize } = JSON.parse(readFileSync(join(ROOT, EPOCH_303), 'utf8')) as { synthesize: unknown }
    const run = await chorus('synth', '--epoch', tmpFile('only-synth.json', JSON.stringify({ synthesize })))
    expect(run.code).toBe(0)
    expect(Object.keys(JSON.parse(run.stdout) as object)).toEqual(['synthesize'])
  })

  it('names a missing file', async () => {
    const run = await chorus('synth', '--epoch', 'no/such/epoch.json')
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('chorus synth: cannot read epoch file no/such/epoch.json: no such file\n')
  })

  it('names a file that is not JSON, with the line', async () => {
    const file = tmpFile('broken.json', '{\n  "settle": {,\n}')
    const run = await chorus('synth', '--epoch', file)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`chorus synth: ${file} is not valid JSON (line 2, column`)
  })

  it('names the path of an invalid value', async () => {
    const json = JSON.parse(readFileSync(join(ROOT, EPOCH_303), 'utf8')) as {
      settle: { reputers: { r3: { stake: number } } }
    }
    json.settle.reputers.r3.stake = 0
    const file = tmpFile('zero-stake.json', JSON.stringify(json))
    const run = await chorus('synth', '--epoch', file)
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`chorus synth: ${file}: settle.reputers.r3.stake: must be > 0, got 0\n`)
  })

  it('reports a step the engine refuses', async () => {
    const { synthesize } = JSON.parse(readFileSync(join(ROOT, EPOCH_303), 'utf8')) as {
      synthesize: Record<string, unknown>
    }
    const file = tmpFile('no-inferences.json', JSON.stringify({ synthesize: { ...synthesize, inferences: {} } }))
    const run = await chorus('synth', '--epoch', file)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`^chorus synth: ${file}: synthesize step failed: .*\\(NO_INFERENCES\\)\\n$`))
  })
})

describe('chorus synth --vectors', () => {
  it('passes the reference table and ends with the result line', async () => {
    const run = await chorus('synth', '--vectors', VECTORS)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(lastLine(run.stdout)).toMatch(RESULT_LINE)
    expect(lastLine(run.stdout)).toBe('758 passed, 0 failed, 254 skipped')
    expect(run.stdout).toMatch(/^network_inference +3 +0 +1 /m)
  })

  it('fails a corrupted table and says where', async () => {
    const csv = readFileSync(join(ROOT, VECTORS), 'utf8')
    const file = tmpFile(
      'corrupted.csv',
      setCell(csv, 3, 'inferer_reward_fraction_smooth_1', (v) => v + 0.01),
    )
    const run = await chorus('synth', '--vectors', file)
    expect(run.code).toBe(1)
    expect(lastLine(run.stdout)).toBe('757 passed, 1 failed, 254 skipped')
    expect(run.stdout).toContain('FAIL inferer_reward_fraction_smooth_1 @ 303: expected ')
  })

  it('takes params from --params', async () => {
    // The chain default reputer exponent (3) is not what the simulator used (1).
    const run = await chorus(
      'synth',
      '--vectors',
      VECTORS,
      '--params',
      tmpFile('params.json', '{"p_reward_reputer": 3}'),
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^reputer_reward_fraction +0 +15 +5 /m)
    const bad = tmpFile('bad-params.json', '{"p_rewrd_reputer": 3}')
    const refused = await chorus('synth', '--vectors', VECTORS, '--params', bad)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`chorus synth: ${bad}: (top level): unknown key "p_rewrd_reputer"`)
  })

  it('names a table it cannot read', async () => {
    const file = tmpFile('ragged.csv', 'epoch,inference_0\n300,1,2\n')
    const run = await chorus('synth', '--vectors', file)
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`chorus synth: ${file}: line 2: 3 cells, but the header has 2 columns\n`)
  })
})

describe('chorus', () => {
  it('prints help and exits 0', async () => {
    const top = await chorus('--help')
    expect(top.code).toBe(0)
    expect(top.stdout).toMatch(/^Usage: chorus \[options\] \[command\]/)
    expect(top.stdout).toMatch(/^ {2}synth +compute one epoch/m)
    const synth = await chorus('synth', '--help')
    expect(synth.code).toBe(0)
    expect(synth.stdout).toContain('--vectors <file.csv>')
    expect(synth.stdout).toContain('Give exactly one of --epoch or --vectors')
  })

  it('exits 2 on a wrong command line', async () => {
    const unknown = await chorus('synthesise')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown command 'synthesise'")
    expect((await chorus()).code).toBe(2)
    const both = await chorus('synth', '--epoch', 'a.json', '--vectors', 'b.csv')
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('give exactly one of --epoch FILE.json or --vectors FILE.csv')
    const option = await chorus('synth', '--vectors', VECTORS, '--verbose')
    expect(option.code).toBe(2)
    expect(option.stderr).toContain("unknown option '--verbose'")
  })
})
