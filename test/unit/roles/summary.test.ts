import { describe, expect, it } from 'vitest'
import { SummaryAccumulator } from '../../../src/roles/summary.js'

describe('summary', () => {
  it('averages losses after the warm-up and finds the best worker present in every counted epoch', () => {
    const s = new SummaryAccumulator('squared-error', 1)
    s.add({ epoch: 0, truth: 0, network: 100, naive: 100, inferences: { a: 100 } })
    s.addUndecided()
    s.add({ epoch: 2, truth: 0, network: 1, naive: 2, inferences: { a: 3, b: 1, c: 0 } })
    s.add({ epoch: 3, truth: 0, network: 1, naive: 2, inferences: { a: 1, b: 1 } })
    expect(s.result()).toEqual({
      type: 'summary',
      epochs: 4,
      topics: 1,
      decided: 3,
      counted: 2,
      networkLoss: 1,
      naiveLoss: 4,
      // Epoch 2: mean 4/3 → 16/9; epoch 3: mean 1 → 1.
      equalWeightLoss: (16 / 9 + 1) / 2,
      // c skipped epoch 3, so it does not count even though it was perfect once.
      bestWorkerLoss: 1,
      bestWorker: 'b',
      workerLosses: { a: 5, b: 1 },
    })
  })

  it('uses the topic loss function and says when nothing was counted', () => {
    const s = new SummaryAccumulator('absolute-error', 0)
    expect(s.result().bestWorker).toBeNull()
    expect(s.result().networkLoss).toBeNaN()
    s.add({ epoch: 0, truth: 10, network: 7, naive: 12, inferences: { a: 11 } })
    expect(s.result()).toMatchObject({ networkLoss: 3, naiveLoss: 2, bestWorkerLoss: 1 })
  })
})
