import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkTiming } from '../../../src/chaos/runner.js'
import { loadScenario, parseScenario, ScenarioError } from '../../../src/chaos/scenario.js'
import { scheduleOf } from '../../../src/chaos/schedule.js'
import { packageFile } from '../../../src/util/package-files.js'

const base = { name: 'test', cluster: { coordinators: 4, workers: 2, reputers: 1 }, epochs: 12 }

function refused(value: unknown): string {
  try {
    parseScenario(value, 'x.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError)
    return (err as Error).message
  }
  throw new Error('the scenario was accepted')
}

describe('chaos scenarios', () => {
  it('every shipped scenario loads', async () => {
    const dir = packageFile('configs/chaos')
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'))
    expect(files.length).toBeGreaterThanOrEqual(10)
    for (const f of files) {
      const s = await loadScenario(join(dir, f))
      expect(`${s.name}.yaml`).toBe(f)
      const schedule = scheduleOf(s, s.cluster.epochMs ?? 400, 7)
      expect(() => checkTiming(s, schedule, s.cluster.epochMs ?? 400)).not.toThrow()
    }
  })

  it('reads epochs, durations and faults', () => {
    const s = parseScenario(
      {
        ...base,
        faults: [
          { at: 2, fault: 'crash', nodes: ['coordinator-2'], for: '1.5s' },
          { at: '3000ms', fault: 'link', nodes: ['worker-1'], loss: 0.1, latencyMs: 50 },
          { at: 4, fault: 'partition', groups: [['coordinator-1'], ['coordinator-2', 'coordinator-3']], for: 2 },
        ],
      },
      'x.yaml',
    )
    expect(s.faults[0]).toEqual({ kind: 'crash', nodes: ['coordinator-2'], at: { epochs: 2 }, for: { ms: 1500 } })
    expect(s.faults[1]).toEqual({
      kind: 'link',
      nodes: ['worker-1'],
      conditions: { loss: 0.1, latencyMs: 50 },
      at: { ms: 3000 },
    })
    const schedule = scheduleOf(s, 1000, 1)
    expect(schedule.map((f) => [f.n, f.fault.kind, f.startMs, f.endMs])).toEqual([
      [1, 'crash', 2000, 3500],
      [2, 'link', 3000, null],
      [3, 'partition', 4000, 6000],
    ])
  })

  it('refuses an unknown fault, naming the file and the field', () => {
    expect(refused({ ...base, faults: [{ at: 1, fault: 'meteor', nodes: ['worker-1'] }] })).toMatch(
      /^x\.yaml: faults\.0\.fault: /,
    )
  })

  it('refuses a node that does not exist', () => {
    expect(refused({ ...base, faults: [{ at: 1, fault: 'crash', nodes: ['coordinator-9'] }] })).toMatch(
      /^x\.yaml: faults\.0\.nodes\.0: no node "coordinator-9"/,
    )
  })

  it('refuses an epoch out of range and a malformed duration', () => {
    expect(refused({ ...base, faults: [{ at: 12, fault: 'crash', nodes: ['worker-1'] }] })).toMatch(
      /^x\.yaml: faults\.0\.at: epoch 12 is past the run's 12 epochs/,
    )
    expect(refused({ ...base, faults: [{ at: '5 minutes', fault: 'crash', nodes: ['worker-1'] }] })).toMatch(
      /^x\.yaml: faults\.0\.at: must be an epoch number or a duration/,
    )
  })

  it('refuses a Byzantine fault that does not fit the role', () => {
    expect(refused({ ...base, cluster: { ...base.cluster, byzantine: { 'worker-1': 'equivocate' } } })).toMatch(
      /cluster\.byzantine\.worker-1: "equivocate" is not a fault of a worker/,
    )
  })

  it('refuses a fault that heals too late for the liveness check', () => {
    const s = parseScenario({ ...base, faults: [{ at: 6, fault: 'crash', nodes: ['worker-1'], for: 5 }] }, 'x.yaml')
    expect(() => checkTiming(s, scheduleOf(s, 1000, 1), 1000)).toThrow(/faults\.0\.for: heals at 11000 ms/)
  })

  it('draws the same random schedule from the same seed, another from another', () => {
    const s = parseScenario(
      { ...base, epochs: 30, random: { count: 6, kinds: ['crash', 'partition', 'link', 'clock-skew'] } },
      'x.yaml',
    )
    const a = scheduleOf(s, 1000, 42)
    expect(scheduleOf(s, 1000, 42)).toEqual(a)
    expect(scheduleOf(s, 1000, 43)).not.toEqual(a)
    expect(a).toHaveLength(6)
    for (const f of a) expect(f.endMs).toBeLessThanOrEqual((30 - 3) * 1000)
    expect(() => checkTiming(s, a, 1000)).not.toThrow()
  })

  it('names a file that is not YAML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-scenario-'))
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'name: [unclosed\n')
    await expect(loadScenario(file)).rejects.toThrow(/bad\.yaml: not valid YAML/)
    await expect(loadScenario(join(dir, 'missing.yaml'))).rejects.toThrow(
      /cannot read scenario .*missing\.yaml: ENOENT/,
    )
  })
})
