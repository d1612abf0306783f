import { describe, expect, it } from 'vitest'
import { MIN_BEST_COVERAGE, SummaryAccumulator } from '../../../src/roles/summary.js'

describe('summary', () => {
  it('averages losses after the warm-up, each worker over the epochs it answered', () => {
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
      // c answered half the counted epochs, perfectly: against the network on that epoch it is the best.
      bestWorkerLoss: 0,
      bestWorkerNetworkLoss: 1,
      bestWorkerCoverage: 0.5,
      bestWorker: 'c',
      workers: {
        a: { loss: 5, networkLoss: 1, coverage: 1 },
        b: { loss: 1, networkLoss: 1, coverage: 1 },
        c: { loss: 0, networkLoss: 1, coverage: 0.5 },
      },
    })
  })

  it('compares a worker that skipped epochs with the network on the epochs it answered', () => {
    const s = new SummaryAccumulator('squared-error', 0)
    // A hard epoch (network loss 9) and an easy one (1). c answered only the hard one.
    s.add({ epoch: 1, truth: 0, network: 3, naive: 3, inferences: { b: 2.5, c: 2 } })
    s.add({ epoch: 2, truth: 0, network: 1, naive: 1, inferences: { b: 0.9 } })
    const r = s.result()
    expect(r.networkLoss).toBe(5)
    expect(r.workers.b.loss).toBeCloseTo((6.25 + 0.81) / 2, 12)
    expect(r.workers.b.networkLoss).toBe(5)
    // c's mean loss (4) is above b's (3.53), yet it did better against the network where it answered.
    expect(r.workers.c).toEqual({ loss: 4, networkLoss: 9, coverage: 0.5 })
    expect(r.bestWorker).toBe('c')
    expect(r.bestWorkerLoss).toBe(4)
    expect(r.bestWorkerNetworkLoss).toBe(9)
  })

  it(`names no worker best that answered under ${MIN_BEST_COVERAGE * 100}% of the counted epochs`, () => {
    const s = new SummaryAccumulator('squared-error', 0)
    s.add({ epoch: 1, truth: 0, network: 1, naive: 1, inferences: { b: 2, c: 0 } })
    s.add({ epoch: 2, truth: 0, network: 1, naive: 1, inferences: { b: 2 } })
    s.add({ epoch: 3, truth: 0, network: 1, naive: 1, inferences: { b: 2 } })
    const r = s.result()
    expect(r.workers.c.coverage).toBeCloseTo(1 / 3, 12)
    expect(r.bestWorker).toBe('b')
    expect(r.bestWorkerCoverage).toBe(1)
    // Every worker answered one epoch in three: none qualifies.
    const none = new SummaryAccumulator('squared-error', 0)
    none.add({ epoch: 1, truth: 0, network: 1, naive: 1, inferences: { c: 0 } })
    none.add({ epoch: 2, truth: 0, network: 1, naive: 1, inferences: { d: 0 } })
    none.add({ epoch: 3, truth: 0, network: 1, naive: 1, inferences: { e: 0 } })
    expect(none.result()).toMatchObject({ bestWorker: null, bestWorkerLoss: null, bestWorkerCoverage: null })
  })

  it('uses the topic loss function and says when nothing was counted', () => {
    const s = new SummaryAccumulator('absolute-error', 0)
    expect(s.result().bestWorker).toBeNull()
    expect(s.result().networkLoss).toBeNaN()
    s.add({ epoch: 0, truth: 10, network: 7, naive: 12, inferences: { a: 11 } })
    expect(s.result()).toMatchObject({ networkLoss: 3, naiveLoss: 2, bestWorkerLoss: 1, bestWorkerNetworkLoss: 3 })
  })
})
