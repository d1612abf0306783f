import { describe, expect, it } from 'vitest'
import { bestWorkerCoverageNote, gainSoFar } from '../../../src/cli/cluster-report.js'
import { SummaryAccumulator } from '../../../src/roles/summary.js'

describe('the cluster summary line', () => {
  it('says nothing more of a best worker that answered every epoch', () => {
    const s = new SummaryAccumulator('squared-error', 0)
    s.add({ epoch: 1, truth: 0, network: 1, naive: 1, inferences: { a: 0.5 } })
    expect(bestWorkerCoverageNote(s.result())).toBe('')
  })

  it("names the share of epochs a best worker answered, and the network's loss on them", () => {
    const s = new SummaryAccumulator('squared-error', 0)
    s.add({ epoch: 1, truth: 0, network: 3, naive: 3, inferences: { a: 1, b: 2 } })
    s.add({ epoch: 2, truth: 0, network: 1, naive: 1, inferences: { b: 2 } })
    s.add({ epoch: 3, truth: 0, network: 1, naive: 1, inferences: { b: 2 } })
    s.add({ epoch: 4, truth: 0, network: 2, naive: 1, inferences: { a: 1, b: 2 } })
    const r = s.result()
    expect(r.bestWorker).toBe('a')
    expect(bestWorkerCoverageNote(r)).toBe("; answered 50% of the epochs, the network's loss on those 6.5000")
  })

  it('puts the gain so far on an epoch line once the warm-up is over', () => {
    const s = new SummaryAccumulator('squared-error', 1)
    s.add({ epoch: 1, truth: 0, network: 5, naive: 5, inferences: { a: 5 } })
    expect(gainSoFar(s.result())).toBe('')
    s.add({ epoch: 2, truth: 0, network: 1, naive: 2, inferences: { a: 0.5 } })
    expect(gainSoFar(s.result())).toBe(
      '  mean loss over 1: network 1.000 naive 4.000 best worker 0.2500 (network 75.0% below naive, 300.0% above best worker)',
    )
  })
})
