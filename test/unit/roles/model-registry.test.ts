import { describe, expect, it } from 'vitest'
import { ModelSpecError } from '../../../src/roles/models/errors.js'
import { createModel, parseModelSpec } from '../../../src/roles/models/registry.js'
import { SyntheticSeries } from '../../../src/roles/ground-truth/synthetic.js'
import { contextOf } from './helpers.js'

describe('model specs', () => {
  it('builds every built-in from its string form, with the default forecaster', () => {
    const names = [
      'last',
      'ma:5',
      'ema:0.3',
      'ema:alpha=0.3',
      'trend:6',
      'drift:10',
      'ar:2',
      'ar:order=2,window=30',
    ].map((s) => createModel(s).name)
    expect(names).toEqual([
      'last@adaptive:meta=0.05,cover=1',
      'ma:5@adaptive:meta=0.05,cover=1',
      'ema:0.3@adaptive:meta=0.05,cover=1',
      'ema:0.3@adaptive:meta=0.05,cover=1',
      'trend:6@adaptive:meta=0.05,cover=1',
      'drift:10@adaptive:meta=0.05,cover=1',
      'ar:2:60@adaptive:meta=0.05,cover=1',
      'ar:2:30@adaptive:meta=0.05,cover=1',
    ])
  })

  it('takes a forecaster after @, and the object form', () => {
    expect(createModel('ema:0.5@loss-ema:0.3').name).toBe('ema:0.5@loss-ema:alpha=0.3,statistic=mean')
    expect(createModel('last@regime:window=24,statistic=log').name).toMatch(/^last@regime:window=24,.*statistic=log/)
    expect(createModel({ kind: 'ma', window: 4, forecaster: { kind: 'loss-ema', alpha: 0.1 } }).name).toBe(
      'ma:4@loss-ema:alpha=0.1,statistic=mean',
    )
    expect(createModel('moving-average:3').name).toMatch(/^ma:3@/)
  })

  it('answers like the model it names', async () => {
    const m = createModel('ma:2')
    expect(await m.infer(contextOf([1, 2, 4]))).toBe(3)
  })

  it('parses external models without touching their URL or command line', () => {
    expect(parseModelSpec('http:http://127.0.0.1:9000/a?b=c@d')).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:9000/a?b=c@d',
    })
    expect(parseModelSpec('https://example.org/m')).toEqual({ kind: 'http', url: 'https://example.org/m' })
    expect(parseModelSpec(`cmd:python3 -u "my model.py" --x 'a b'`)).toEqual({
      kind: 'cmd',
      command: 'python3',
      args: ['-u', 'my model.py', '--x', 'a b'],
    })
  })

  it.each([
    ['ema:1.5', /model "ema:1.5": alpha must be in \(0, 1\] \(got "1.5"\)/],
    ['ma:x', /model "ma:x": window must be an integer >= 1/],
    ['ar:order=3,window=4', /model "ar:order=3,window=4": window must be an integer >= 5/],
    ['ema:alpha=0.2,beta=1', /model "ema:alpha=0.2,beta=1": beta is not a parameter of this kind/],
    ['foo', /unknown kind "foo"/],
    ['ema:0.3@bogus', /unknown forecaster "bogus"/],
    ['ema:0.3@regime:statistic=median', /statistic must be one of mean, share, log/],
    ['oracle:1', /needs the topic's ground truth/],
    ['cmd:', /cmd needs a command/],
    ['ema:0.3:0.4', /alpha must be in/],
  ])('rejects %s naming the field', (spec, message) => {
    expect(() => createModel(spec)).toThrow(ModelSpecError)
    expect(() => createModel(spec)).toThrow(message)
  })

  it('rejects a bad object spec naming the field', () => {
    expect(() => createModel({ kind: 'ma', window: -1 })).toThrow(/window must be an integer >= 1 \(got -1\)/)
    expect(() => createModel({ kind: 'http', url: 'http://x', timeoutMs: 'soon' })).toThrow(
      /timeoutMs must be an integer >= 1/,
    )
  })

  it('builds the oracle test device from the topic truth', async () => {
    const m = createModel('oracle:noise=0,bias=1', { groundTruth: new SyntheticSeries({ seed: 1 }) })
    expect(await m.infer(contextOf([1], { epoch: 5 }))).toBe(
      (new SyntheticSeries({ seed: 1 }).valueAt(5) as number) + 1,
    )
  })
})
