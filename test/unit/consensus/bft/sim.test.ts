/**
 * Properties of the whole protocol over the simulated network (sim.ts), each over a plain
 * seeded loop so a failure names its seed: `runSim({ seed, ...scenario })` replays it.
 */
import { describe, expect, it } from 'vitest'
import { type SimConfig, type SimResult, runSim } from './sim.js'

type Scenario = Omit<SimConfig, 'seed'>

/** Byzantine power strictly below a third of the total in every one. */
const SCENARIOS: Record<string, Scenario> = {
  '4 equal, 1 equivocator': { powers: [1, 1, 1, 1], behaviours: { 1: 'equivocator' } },
  '4 equal, 1 double proposer': { powers: [1, 1, 1, 1], behaviours: { 0: 'doubleProposer' } },
  '4 equal, 1 chaos member': { powers: [1, 1, 1, 1], behaviours: { 2: 'chaos' } },
  '4 equal, 1 invalid-block proposer': { powers: [1, 1, 1, 1], behaviours: { 1: 'invalidProposer' } },
  '4 equal, 1 silent': { powers: [1, 1, 1, 1], behaviours: { 3: 'silent' } },
  '5 unequal (13), chaos 3 + equivocator 1': { powers: [5, 3, 2, 2, 1], behaviours: { 1: 'chaos', 4: 'equivocator' } },
  '6 unequal (16), chaos 4 + equivocator 1': {
    powers: [4, 4, 3, 2, 2, 1],
    behaviours: { 0: 'chaos', 5: 'equivocator' },
  },
  '7 equal, double proposer + equivocator': {
    powers: [1, 1, 1, 1, 1, 1, 1],
    behaviours: { 0: 'doubleProposer', 3: 'equivocator' },
  },
}

const CHAOS = { dupRate: 0.1, crashRate: 0.005, partitionRate: 0.005, untimelyRate: 0.05 }
const MILD = { ...CHAOS, dropRate: 0.15, earlyTimeoutRate: 0.05 }
const HARSH = { ...CHAOS, dropRate: 0.25, earlyTimeoutRate: 0.2 }
const SAFETY_SEEDS = 60
const LIVENESS_SEEDS = 100
const LIVENESS_BOUND = 10_000

function sweep(
  scenario: Scenario,
  seeds: number,
  extra: Partial<SimConfig>,
  check: (r: SimResult, seed: number) => void,
): SimResult[] {
  const results: SimResult[] = []
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSim({ seed, ...scenario, ...extra })
    check(r, seed)
    results.push(r)
  }
  return results
}

function expectSound(r: SimResult, seed: number): void {
  expect(r.safetyViolations, `seed ${seed}`).toEqual([])
  expect(r.violations, `seed ${seed}`).toEqual([])
  expect(r.missingEvidence, `seed ${seed}`).toEqual([])
  for (const decisions of r.decisions.values()) {
    for (const d of decisions.values()) expect(r.invalidBlocks.has(d.blockHash), `seed ${seed}`).toBe(false)
  }
}

describe('simulated network: safety under asynchrony, for ever', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, () => {
      let decided = 0
      for (const chaos of [MILD, HARSH]) {
        const results = sweep(
          scenario,
          SAFETY_SEEDS,
          { ...chaos, heights: 2, chaosSteps: Infinity, maxSteps: 3_000 },
          expectSound,
        )
        decided += results.reduce((n, r) => n + [...r.decisions.values()].reduce((m, d) => m + d.size, 0), 0)
      }
      // Not vacuous: honest nodes do decide while the adversary and the chaos go on.
      expect(decided).toBeGreaterThan(SAFETY_SEEDS / 2)
    })
  }
})

describe('simulated network: liveness once the chaos ends', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, () => {
      const results = sweep(
        scenario,
        LIVENESS_SEEDS,
        { ...MILD, heights: 3, chaosSteps: 500, maxSteps: 40_000 },
        (r, seed) => {
          expectSound(r, seed)
          expect(r.allDecided, `seed ${seed}`).toBe(true)
          expect(r.stepsAfterChaos, `seed ${seed}`).toBeLessThanOrEqual(LIVENESS_BOUND)
        },
      )
      if (scenario.behaviours !== undefined && Object.values(scenario.behaviours).includes('equivocator')) {
        // Every equivocator is caught by someone in every run (deterministic per seed).
        for (const r of results) expect(r.evidenceReports).toBeGreaterThan(0)
      }
    })
  }

  it('all-honest committees decide quickly with no chaos', () => {
    for (const powers of [[1], [1, 1], [1, 1, 1, 1], [3, 1, 1, 1, 1, 1], [1, 2, 3, 4, 5, 6, 7]]) {
      sweep({ powers }, 20, { heights: 3 }, (r, seed) => {
        expectSound(r, seed)
        expect(r.allDecided).toBe(true)
        expect(r.stepsAfterChaos).toBeLessThan(2_000)
      })
    }
  })
})

describe('simulated network: the checks have teeth', () => {
  it('with Byzantine power at 1/2, two equivocators do split the decision (seed 12)', () => {
    const r = runSim({
      seed: 12,
      powers: [1, 1, 1, 1],
      behaviours: { 1: 'equivocator', 2: 'equivocator' },
      heights: 2,
      chaosSteps: Infinity,
      maxSteps: 3_000,
      ...MILD,
    })
    expect(r.safetyViolations.length).toBeGreaterThan(0)
  })

  it('is deterministic: a seed replays to the same run', () => {
    const a = runSim({
      seed: 99,
      ...SCENARIOS['5 unequal (13), chaos 3 + equivocator 1'],
      ...MILD,
      heights: 2,
      chaosSteps: 400,
    })
    const b = runSim({
      seed: 99,
      ...SCENARIOS['5 unequal (13), chaos 3 + equivocator 1'],
      ...MILD,
      heights: 2,
      chaosSteps: 400,
    })
    expect(b.steps).toBe(a.steps)
    const flat = (r: SimResult) => JSON.stringify([...r.decisions].map(([id, d]) => [id, [...d]]))
    expect(flat(b)).toBe(flat(a))
    expect(flat(a)).toContain('certificate')
  })
})
