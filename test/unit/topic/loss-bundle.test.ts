import { describe, expect, it } from 'vitest'
import { lossBundle, participantsOf, scopedLossBundle } from '../../../src/topic/loss-bundle.js'
import { emptyTopicState } from '../../../src/roles/simulation.js'
import { log10 } from '../../../src/synthesis/detmath.js'
import { DEFAULT_PARAMS } from '../../../src/synthesis/params.js'
import { settleEpoch } from '../../../src/synthesis/settle.js'
import { synthesizeEpoch } from '../../../src/synthesis/synthesize.js'
import type { SynthesisInput, TopicState } from '../../../src/synthesis/types.js'
import { EMPTY_FAMILY } from '../../../src/synthesis/state.js'
import { plainOf } from '../../utils/plain.js'

/** epoch-json §9: three inferers, two forecasters (erin covers only bob), regret-weighted. */
const INPUT: SynthesisInput = {
  inferences: { alice: 0.52, bob: 0.47, carol: 0.61 },
  forecasts: { dave: { alice: -2.1, bob: -1.7, carol: -2.6 }, erin: { bob: -2.0 } },
}
const STATE: TopicState = {
  ...emptyTopicState(),
  initialRegret: -1.2,
  previousNetworkLoss: -2.3,
  regrets: {
    network: { inferers: { alice: 0.1, bob: -0.2 }, forecasters: { dave: 0.05 } },
    naive: { inferers: { alice: 0.12, bob: -0.1, carol: 0 }, forecasters: {} },
    oneOutInferer: EMPTY_FAMILY,
    oneOutForecaster: EMPTY_FAMILY,
    oneInForecaster: EMPTY_FAMILY,
  },
}

describe('loss bundle', () => {
  const output = synthesizeEpoch(DEFAULT_PARAMS, INPUT, STATE)
  const bundle = lossBundle({ inferences: INPUT.inferences, output }, { value: 0.5 }, 'squared-error')

  it('holds a log10 loss for every value the epoch produced', () => {
    expect(bundle.network).toBe(log10((output.networkInference - 0.5) ** 2))
    expect(bundle.naive).toBe(log10((output.naiveInference - 0.5) ** 2))
    expect(Object.keys(bundle.inferers)).toEqual(['alice', 'bob', 'carol'])
    expect(bundle.inferers.bob).toBe(log10((0.47 - 0.5) ** 2))
    expect(Object.keys(bundle.forecasters)).toEqual(['dave', 'erin'])
    expect(bundle.forecasters.erin).toBe(bundle.inferers.bob) // erin's only inferer is bob
    expect(Object.keys(bundle.oneOutInferers)).toEqual(['alice', 'bob', 'carol'])
    expect(Object.keys(bundle.oneOutForecasters)).toEqual(['dave', 'erin'])
    expect(Object.keys(bundle.oneInForecasters)).toEqual(['dave', 'erin'])
    const pairs = plainOf(bundle.oneOutInfererForecasters)
    expect(Object.keys(pairs)).toEqual(['dave', 'erin'])
    expect(Object.keys(pairs.dave)).toEqual(['alice', 'bob', 'carol'])
    // Without bob, erin has no value (epoch-json §6.6): that pair is absent.
    expect(Object.keys(pairs.erin)).toEqual(['alice', 'carol'])
    const d = plainOf(output.oneOutInfererForecastImpliedInferences).dave.carol
    expect(pairs.dave.carol).toBe(log10((d - 0.5) ** 2))
  })

  it('is what the consensus reads of it: restricting it to the epoch participants changes nothing', () => {
    const scoped = scopedLossBundle(bundle, participantsOf({ inferences: INPUT.inferences, output }))
    expect(plainOf(scoped)).toEqual(plainOf(bundle))
    const stranger = scopedLossBundle(
      { ...bundle, inferers: { ...bundle.inferers, zed: -1 } },
      participantsOf({ inferences: INPUT.inferences, output }),
    )
    expect(Object.keys(stranger.inferers)).toEqual(['alice', 'bob', 'carol'])
  })

  it('is accepted by the settle step', () => {
    const reports = { r0: { stake: 1, losses: bundle }, r1: { stake: 1, losses: bundle } }
    const settled = settleEpoch(DEFAULT_PARAMS, { reputers: reports, topicReward: 1000 }, STATE)
    expect(settled.consensusLosses).toEqual(bundle)
  })

  it('floors an exact hit four decades below the median inferer loss', () => {
    const exact = lossBundle(
      { inferences: { ...INPUT.inferences, carol: 0.5 }, output },
      { value: 0.5 },
      'squared-error',
    )
    expect(exact.inferers.carol).toBeCloseTo(log10((0.52 - 0.5) ** 2) - 4, 12)
  })

  it('passes the previous truth to return losses', () => {
    const r = lossBundle(
      { inferences: INPUT.inferences, output },
      { value: 0.5, previous: 0.25 },
      'squared-return-error',
    )
    expect(r.inferers.alice).toBeCloseTo(log10(((0.52 - 0.5) / 0.25) ** 2), 12)
    expect(() => lossBundle({ inferences: INPUT.inferences, output }, { value: 0.5 }, 'squared-return-error')).toThrow(
      /previous truth/,
    )
  })
})
