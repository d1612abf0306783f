/**
 * The epoch loop over real gossip: 1 coordinator, 6 workers with different built-in models
 * and 2 reputers on 127.0.0.1, one topic on the seeded synthetic series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster } from '../../src/cluster/local-cluster.js'
import type { EpochDecision } from '../../src/roles/decisions.js'
import { effectiveWeights } from '../../src/roles/effective-weights.js'
import type { SyntheticSeries } from '../../src/roles/ground-truth/synthetic.js'
import { loss } from '../../src/topic/losses.js'
import { SummaryAccumulator } from '../../src/roles/summary.js'
import { WorkerService } from '../../src/roles/worker.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { regimeShifts, type WeightRecord } from '../utils/regime-shift.js'
import { waitFor } from '../utils/wait.js'

const EPOCHS = 60
const topic = parseTopicConfig(
  { id: 'synthetic', name: 'test', epochMs: 500, groundTruth: 'synthetic:42' },
  'test topic',
)

describe('a cluster of 1 coordinator, 6 workers, 2 reputers', () => {
  let cluster: LocalCluster
  const decisions: EpochDecision[] = []
  /** When the coordinator committed the block deciding each epoch (wall clock). */
  const committedAt = new Map<number, number>()
  let first = 1
  const inRun = (d: EpochDecision): boolean => d.epoch >= first && d.epoch < first + EPOCHS

  beforeAll(async () => {
    cluster = await LocalCluster.start({ topics: [topic], coordinators: 1, workers: 6, reputers: 2, startDelayMs: 800 })
    cluster.events.on('decision', (d) => decisions.push(d))
    cluster.members[0].node.driver.events.on('commit', (c) => {
      for (const e of c.block.topicEpochs) committedAt.set(e.epoch, c.committedAtMs)
    })
    // The run is the EPOCHS epochs from the first one every node took part in.
    first = cluster.firstFullEpoch(topic.id)
    await waitFor(
      () => decisions.some((d) => d.epoch >= first + EPOCHS - 1),
      `${EPOCHS} epochs`,
      (first + EPOCHS) * topic.epochMs + 20_000,
    )
  }, 90_000)
  afterAll(() => cluster.stop())

  it('decides every epoch, each with all six workers', () => {
    const run = decisions.filter(inRun)
    expect(run.map((d) => d.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => first + i))
    for (const d of run) expect(Object.keys(d.inferences)).toHaveLength(6)
  })

  it('settles epochs from both reputers and leaves the new-topic mode', () => {
    const settled = decisions.flatMap((d) => d.settled.map((s) => s.epoch))
    expect(settled.length).toBeGreaterThanOrEqual(EPOCHS - 3)
    const state = cluster.members[0].node.driver.chain.topics.get(topic.id)!.state
    expect(state.initialRegret).not.toBe(0)
    expect(Object.keys(state.regrets.network.inferers)).toHaveLength(6)
    const last = decisions.at(-1) as EpochDecision
    expect(Object.keys(last.output.weights.inferers)).toHaveLength(6)
  })

  it("workers answer knowing the previous epoch's inferences: its block commits before the next epoch opens", () => {
    const late = cluster.members
      .flatMap((m) => m.node.services)
      .filter((s): s is WorkerService => s instanceof WorkerService)
      .map((w) => ({ late: w.counters.get('decision-late') ?? 0, published: w.counters.get('published') ?? 0 }))
    expect(late).toHaveLength(6)
    // The block deciding an epoch is made once its window (60%) has closed, and commits
    // before the next epoch opens.
    const clock = cluster.topics[0].clock
    const run = decisions.filter(inRun).map((d) => d.epoch)
    const early = run.filter((e) => (committedAt.get(e) ?? Number.POSITIVE_INFINITY) < clock.startOf(e + 1))
    expect(early.length).toBeGreaterThanOrEqual(0.9 * run.length)
    // The first epochs of a worker have no decided epoch before them; after that the block of
    // each epoch is in before the worker asks its model.
    for (const w of late) {
      expect(w.published).toBeGreaterThanOrEqual(EPOCHS)
      expect(w.late).toBeLessThanOrEqual(EPOCHS / 10)
    }
  })

  it('after warm-up the network inference beats the naive inference', async () => {
    const truth = cluster.groundTruth.get(topic.id)!
    const summary = new SummaryAccumulator(topic.lossFunction, 15)
    for (const d of decisions.filter(inRun)) {
      summary.add({
        epoch: d.epoch,
        truth: (await truth.valueAt(d.epoch))!,
        network: d.output.networkInference,
        naive: d.output.naiveInference,
        inferences: d.inferences,
      })
    }
    const result = summary.result()
    expect(result.counted).toBe(EPOCHS - 15)
    expect(result.networkLoss).toBeLessThan(result.naiveLoss)
  })

  it('weights move to the worker that suits a new regime within a few epochs of the change', async () => {
    const series = cluster.groundTruth.get(topic.id) as SyntheticSeries
    const records: WeightRecord[] = []
    for (const d of decisions.filter(inRun)) {
      const truth = (await series.valueAt(d.epoch))!
      const workers = Object.fromEntries(
        Object.entries(d.inferences).map(([id, v]) => [id, loss(topic.lossFunction, v, truth)]),
      )
      records.push({
        epoch: d.epoch,
        losses: { workers },
        effectiveWeights: effectiveWeights(topic.params, d.inferences, d.output),
      })
    }
    // The series turns from a trend to noise around a level at epoch 36 (seed 42).
    expect(series.regimeAt(36)).toMatchObject({ kind: 'noisy-level', start: 36 })
    const shift = regimeShifts(records, series, first + 15).find((s) => s.at === 36)
    expect(shift).toBeDefined()
    expect(shift!.after - shift!.before).toBeGreaterThan(0.2)
  })
})
