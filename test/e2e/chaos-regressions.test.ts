/**
 * Seeds of `npm run chaos` that once failed, replayed: the random block is the one the run
 * used (configs/chaos/random.yaml then), written here so a later edit of that file does not
 * change what these seeds draw.
 */
import { describe, expect, it } from 'vitest'
import { formatReport } from '../../src/chaos/report.js'
import { runScenario } from '../../src/chaos/runner.js'
import { parseScenario } from '../../src/chaos/scenario.js'

const random = parseScenario(
  {
    name: 'random',
    cluster: { coordinators: 4, workers: 4, reputers: 2, epochMs: 1000 },
    epochs: 15,
    random: { count: 4, kinds: ['crash', 'restart', 'pause', 'partition', 'link', 'clock-skew'], maxEpochs: 3 },
  },
  'random (as of the failing runs)',
)

describe('chaos regressions', () => {
  it('seed 7: a worker restarted while a partition cuts it off from a coordinator starts anyway', async () => {
    const report = await runScenario({ scenario: random, seed: 7 })
    // The restart used to fail: the new node dialled the cut-off coordinator and the dial was refused.
    expect(report.faultLog.filter((f) => f.error !== undefined)).toEqual([])
    expect(report.pass, formatReport(report)).toBe(true)
  }, 90_000)
})
