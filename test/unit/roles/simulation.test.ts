/**
 * The collective property offline: the default topic (synthetic:42) with the default
 * population of six different built-in models, two reputers, lag 1, the spec's default
 * parameters and squared error.
 */
import { describe, expect, it } from 'vitest'
import { SyntheticSeries } from '../../../src/roles/ground-truth/synthetic.js'
import { createModel } from '../../../src/roles/models/registry.js'
import { DEFAULT_POPULATION, defaultWorkerPopulation, simulate } from '../../../src/roles/simulation.js'
import { regimeShifts } from '../../utils/regime-shift.js'

describe('simulation of the default topic', () => {
  const series = new SyntheticSeries({ seed: 42 })

  it('uses six different built-in models', () => {
    const kinds = DEFAULT_POPULATION.map((s) => String(s).split(/[:@]/)[0])
    expect(new Set(kinds).size).toBe(6)
  })

  it('60 epochs: every epoch decided; after warm-up the network beats naive, equal weights and the best single worker; weights follow the regime', async () => {
    const run = await simulate({
      groundTruth: series,
      workers: defaultWorkerPopulation(),
      reputers: 2,
      epochs: 60,
      warmup: 20,
      start: 1,
    })
    const s = run.summary
    expect(s.decided).toBe(60)
    expect(run.perEpoch.every((r) => Object.keys(r.skipped).length === 0)).toBe(true)
    expect(s.counted).toBe(40)
    expect(s.networkLoss).toBeLessThan(s.naiveLoss)
    expect(s.networkLoss).toBeLessThan(s.equalWeightLoss)
    expect(s.networkLoss).toBeLessThan(s.bestWorkerLoss as number)
    // The series turns from a trend to noise around a level at epoch 36.
    expect(series.regimeAt(36)).toMatchObject({ kind: 'noisy-level', start: 36 })
    const [shift] = regimeShifts(run.perEpoch, series, 21)
    expect(shift.at).toBe(36)
    expect(shift.after - shift.before).toBeGreaterThan(0.2)
  })

  it('200 epochs: the network beats the best single worker, and weights move to the suited worker after most regime changes', async () => {
    const run = await simulate({
      groundTruth: series,
      workers: defaultWorkerPopulation(),
      epochs: 200,
      warmup: 40,
      start: 1,
    })
    const s = run.summary
    expect(s.networkLoss).toBeLessThan(s.naiveLoss)
    expect((s.bestWorkerLoss as number) / s.networkLoss).toBeGreaterThan(1.1)
    const all = regimeShifts(run.perEpoch, series, 41)
    expect(all.length).toBeGreaterThanOrEqual(3)
    // The suited worker gains weight after at least 3 of 4 changes, by 0.15 on average (in a
    // noisy-level regime several models are nearly as good, so its gain there can be small).
    const up = all.filter((x) => x.after > x.before)
    expect(up.length / all.length).toBeGreaterThanOrEqual(0.75)
    expect(all.reduce((sum, x) => sum + x.after - x.before, 0) / all.length).toBeGreaterThan(0.15)
  })

  it('with perfect forecasts (the diagnostic), every forecast is the true log10 loss and the network gains from it', async () => {
    const options = { groundTruth: series, epochs: 120, warmup: 20, start: 1 } as const
    const plain = await simulate({ ...options, workers: defaultWorkerPopulation() })
    const perfect = await simulate({ ...options, workers: defaultWorkerPopulation(), perfectForecasts: true })
    // The same inferences: forecasts do not change what the workers infer.
    expect(perfect.perEpoch.map((r) => r.inferences)).toEqual(plain.perEpoch.map((r) => r.inferences))
    // A forecaster that knows each inferer's loss picks the best inferers of each epoch: its
    // forecast-implied inference beats every inferer's mean loss.
    const counted = perfect.perEpoch.slice(20)
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
    const implied = mean(counted.map((r) => r.losses.forecasters.w0))
    for (const w of Object.keys(counted[0].inferences))
      expect(implied).toBeLessThan(mean(counted.map((r) => r.losses.workers[w])))
    expect(perfect.summary.networkLoss).toBeLessThan(plain.summary.networkLoss)
  })

  it("settles an epoch in the next one's block before synthesising it, as a coordinator does", async () => {
    const run = await simulate({ groundTruth: series, workers: defaultWorkerPopulation(), epochs: 3, warmup: 0 })
    const [first, second] = run.perEpoch
    // The first epoch has no settled one before it (math.md §7 mode 3: no naive inference);
    // the second already has the first's settlement, so the topic is in new-topic mode: the mean.
    expect(first.naiveInference).toBe(0)
    const values = Object.values(second.inferences)
    expect(second.naiveInference).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12)
    expect(second.networkInference).toBe(second.naiveInference)
  })

  it('is deterministic, and a failing worker skips its epochs without stopping the topic', async () => {
    const broken = {
      name: 'broken',
      infer: (c: { epoch: number }): number => {
        if (c.epoch % 3 === 0) throw new Error('no answer this epoch')
        return 100
      },
      forecast: () => ({}),
    }
    const workers = () => [
      { id: 'a', model: createModel('last') },
      { id: 'b', model: createModel('oracle:noise=2,seed=5', { groundTruth: series }) },
      { id: 'c', model: broken },
    ]
    const one = await simulate({
      groundTruth: series,
      workers: workers(),
      epochs: 30,
      warmup: 5,
      lossFunction: 'squared-log-error',
    })
    const two = await simulate({
      groundTruth: series,
      workers: workers(),
      epochs: 30,
      warmup: 5,
      lossFunction: 'squared-log-error',
    })
    expect(two.perEpoch.map((r) => r.networkInference)).toEqual(one.perEpoch.map((r) => r.networkInference))
    expect(one.summary.decided).toBe(30)
    expect(one.perEpoch.find((r) => r.epoch === 3)?.skipped).toEqual({ c: 'no answer this epoch' })
    // c skipped every third epoch: it is compared over the ones it answered.
    const counted = one.perEpoch.slice(5)
    const answered = counted.filter((r) => r.skipped?.c === undefined).length
    expect(answered).toBeLessThan(counted.length)
    expect(Object.keys(one.summary.workers)).toEqual(['a', 'b', 'c'])
    expect(one.summary.workers.c.coverage).toBe(answered / counted.length)
    expect(one.summary.workers.a.coverage).toBe(1)
    expect(one.summary.bestWorker).not.toBe('c')
  })
})
