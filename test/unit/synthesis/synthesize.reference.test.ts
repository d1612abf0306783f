/**
 * The optimised synthesize step against a plain, record-based transcription of
 * docs/spec/math.md §5–§8 on seeded random epochs (partial forecasts, new workers, vanishing
 * one-out recomputations). Both sum in the same order, so they must agree bit for bit; any
 * slip in the index bookkeeping (skipped inferer, forecaster slices, one-out patches) shows.
 */
import { describe, expect, it } from 'vitest'
import { synthesizeEpoch } from '../../../src/synthesis/synthesize.js'
import { sortedIds } from '../../../src/synthesis/stats.js'
import { onePassStdDev } from '../../utils/std-dev.js'
import type { IdMap, RegretSet, SynthesisInput, SynthesisParams, TopicState } from '../../../src/synthesis/types.js'
import { weightFromNormalizedRegret } from '../../../src/synthesis/weights.js'
import { randomEpoch } from '../../utils/random-epoch.js'
import { plainOf } from '../../utils/plain.js'

/** §5 over a list of regrets, straight from the text (σ in one pass, as the engine sums it). */
function weights(regrets: number[], p: SynthesisParams): number[] {
  const den = Math.abs(onePassStdDev(regrets)) + p.epsilon
  const hats = regrets.map((r) => r * (1 / den))
  const max = Math.max(...hats)
  return hats.map((h) => weightFromNormalizedRegret(h, max, p.pNorm, p.cNorm))
}

/** §8 Combine over (regret, value) pairs; value undefined = in σ and max, not in the sums. */
function combine(members: { regret: number; value: number | undefined }[], p: SynthesisParams): number {
  const w = weights(
    members.map((m) => m.regret),
    p,
  )
  let num = 0
  let den = 0
  members.forEach((m, i) => {
    if (w[i] === 0 || m.value === undefined) return
    num += w[i] * m.value
    den += w[i]
  })
  return num / Math.max(den, p.epsilonSafeDiv)
}

/** §6 for forecaster k, optionally without inferer `without`. */
function implied(
  input: SynthesisInput,
  k: string,
  prevLoss: number,
  p: SynthesisParams,
  without?: string,
): number | undefined {
  const covered = sortedIds(input.forecasts[k]).filter((j) => j in input.inferences && j !== without)
  if (covered.length === 0) return undefined
  if (covered.length === 1) return input.inferences[covered[0]]
  const w = weights(
    covered.map((j) => prevLoss - input.forecasts[k][j]),
    p,
  )
  let num = 0
  let den = 0
  covered.forEach((j, i) => {
    if (w[i] === 0) return
    num += w[i] * input.inferences[j]
    den += w[i]
  })
  return den === 0 ? undefined : num / den
}

function reference(p: SynthesisParams, input: SynthesisInput, state: TopicState) {
  const prev = state.previousNetworkLoss!
  const inferers = sortedIds(input.inferences)
  const forecasters = sortedIds(input.forecasts).filter((k) => implied(input, k, prev, p) !== undefined)
  const I = Object.fromEntries(forecasters.map((k) => [k, implied(input, k, prev, p)!]))
  const regretOf = (set: RegretSet | undefined, role: 'inferers' | 'forecasters', id: string): number =>
    set?.[role][id] ?? state.initialRegret
  const network = (set: RegretSet | undefined, infs: string[], fcs: string[], values: IdMap<number | undefined>) =>
    combine(
      [
        ...infs.map((j) => ({ regret: regretOf(set, 'inferers', j), value: input.inferences[j] })),
        ...fcs.map((k) => ({ regret: regretOf(set, 'forecasters', k), value: values[k] })),
      ],
      p,
    )
  const g = plainOf(state.regrets)
  const withoutL = (l: string): IdMap<number | undefined> =>
    Object.fromEntries(forecasters.map((k) => [k, implied(input, k, prev, p, l)]))
  const two = forecasters.length >= 2
  return {
    networkInference: network(g.network, inferers, forecasters, I),
    naiveInference: network(g.naive, inferers, [], I),
    forecastImpliedInferences: I,
    oneOutInfererInferences: Object.fromEntries(
      inferers.map((l) => [
        l,
        network(
          g.oneOutInferer[l],
          inferers.filter((j) => j !== l),
          forecasters,
          withoutL(l),
        ),
      ]),
    ),
    oneOutForecasterInferences: two
      ? Object.fromEntries(
          forecasters.map((k) => [
            k,
            network(
              g.oneOutForecaster[k],
              inferers,
              forecasters.filter((x) => x !== k),
              I,
            ),
          ]),
        )
      : {},
    oneInForecasterInferences: two
      ? Object.fromEntries(forecasters.map((k) => [k, network(g.oneInForecaster[k], inferers, [k], I)]))
      : {},
    oneOutInfererForecastImpliedInferences: Object.fromEntries(
      forecasters.map((k) => [
        k,
        Object.fromEntries(inferers.map((l) => [l, implied(input, k, prev, p, l)]).filter(([, v]) => v !== undefined)),
      ]),
    ),
  }
}

describe('synthesize against the plain transcription of §5–§8', () => {
  const shapes = [
    { inferers: 2, forecasters: 1, reputers: 1 },
    { inferers: 3, forecasters: 2, reputers: 1, elementsPerForecast: 1 },
    { inferers: 7, forecasters: 4, reputers: 1, elementsPerForecast: 2 },
    { inferers: 20, forecasters: 6, reputers: 1 },
    { inferers: 40, forecasters: 9, reputers: 1, elementsPerForecast: 40, newWorkerFraction: 0.3 },
  ]
  for (const shape of shapes) {
    it.each([1, 2, 3, 4, 5])(`${JSON.stringify(shape)} seed %i`, (seed) => {
      const e = randomEpoch(seed, shape)
      const got = synthesizeEpoch(e.params, e.synthesis, e.state)
      const want = reference(e.params, e.synthesis, e.state)
      const plain = plainOf(got)
      for (const [field, value] of Object.entries(want)) expect(plain[field], field).toStrictEqual(value)
    })
  }

  it('a forecaster covering only one inferer vanishes from that one-out pair and still shapes the network', () => {
    const e = randomEpoch(9, { inferers: 5, forecasters: 3, reputers: 1, elementsPerForecast: 1 })
    const got = synthesizeEpoch(e.params, e.synthesis, e.state)
    const pairs = plainOf(got.oneOutInfererForecastImpliedInferences)
    for (const k of Object.keys(pairs)) expect(Object.keys(pairs[k])).toHaveLength(4)
    expect(got.oneOutInfererInferences).toStrictEqual(reference(e.params, e.synthesis, e.state).oneOutInfererInferences)
  })
})
