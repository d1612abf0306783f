/**
 * The synthesis engine's results are consensus rules: coordinators of one chain must compute
 * the same bits. This test pins them: the hash of synthesize and settle outputs on seeded
 * epochs (full and partial reports, new workers, a chain of epochs) must equal the one
 * recorded for the current SYNTHESIS_ENGINE_VERSION. A change that moves any bit fails it:
 * bump the version in src/synthesis/engine-version.ts (coordinators of different versions
 * then refuse to share a chain) and record the new hash. It also runs on every CI machine, so
 * the bits are checked on more than the machine that recorded them.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SYNTHESIS_ENGINE_VERSION } from '../../../src/synthesis/engine-version.js'
import { settleEpoch } from '../../../src/synthesis/settle.js'
import { synthesizeEpoch } from '../../../src/synthesis/synthesize.js'
import type { TopicState } from '../../../src/synthesis/types.js'
import { jsonOf } from '../../utils/plain.js'
import { randomEpoch, type RandomEpochOptions } from '../../utils/random-epoch.js'

/** Version → hash of the outputs below. */
const RECORDED: Record<number, string> = {
  2: 'a8edb120256ae3250ad13cd56e140b2bb954b5a611634a061623edf1504ef65a',
  3: 'd7ed0203417d06ceb349413442277572209f4956163869d5a7e0812f8d8f4e6a',
}

const CASES: readonly [number, RandomEpochOptions][] = [
  [11, { inferers: 120, forecasters: 12, reputers: 7 }],
  [12, { inferers: 50, forecasters: 7, reputers: 9, missingRate: 0.05 }],
  [13, { inferers: 30, forecasters: 6, reputers: 5, newWorkerFraction: 0.3 }],
  // Odd and even sizes around the kernels' two lanes and 512-coordinate blocks.
  [14, { inferers: 61, forecasters: 9, reputers: 4, elementsPerForecast: 61 }],
]

function outputsHash(): string {
  const h = createHash('sha256')
  for (const [seed, shape] of CASES) {
    const e = randomEpoch(seed, shape)
    const settled = settleEpoch(e.params, e.settle, e.state)
    h.update(jsonOf(settled))
    h.update(jsonOf(synthesizeEpoch(e.params, e.synthesis, e.state)))
    // The next epoch on the settled state: regrets, coefficients and scores carried over.
    let state: TopicState = settled.state
    for (let i = 0; i < 2; i++) {
      h.update(jsonOf(synthesizeEpoch(e.params, e.synthesis, state)))
      state = settleEpoch(e.params, e.settle, state).state
      h.update(jsonOf(state))
    }
  }
  return h.digest('hex')
}

describe('synthesis engine version', () => {
  it(`the outputs are the ones recorded for version ${SYNTHESIS_ENGINE_VERSION}`, () => {
    expect(outputsHash(), 'the engine results changed: bump SYNTHESIS_ENGINE_VERSION and record the new hash').toBe(
      RECORDED[SYNTHESIS_ENGINE_VERSION],
    )
  })
})
