import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsvSeries, parseCsvSeries } from '../../../src/roles/ground-truth/csv.js'
import { GroundTruthError } from '../../../src/roles/ground-truth/errors.js'
import { HttpSeries } from '../../../src/roles/ground-truth/http.js'
import { createGroundTruth } from '../../../src/roles/ground-truth/registry.js'
import { REGIME_KINDS, SyntheticSeries } from '../../../src/roles/ground-truth/synthetic.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))

describe('synthetic series', () => {
  it('is a function of (seed, epoch), in any access order', () => {
    const a = new SyntheticSeries({ seed: 9 })
    const b = new SyntheticSeries({ seed: 9 })
    const epochs = [5000, 3, 1500, 0, 1023, 1024, 4999]
    const forward = epochs.map((e) => a.valueAt(e))
    const backward = [...epochs]
      .reverse()
      .map((e) => b.valueAt(e))
      .reverse()
    expect(backward).toEqual(forward)
    expect(new SyntheticSeries({ seed: 10 }).valueAt(3)).not.toBe(a.valueAt(3))
  })

  it('has pinned values (the series every node agrees on must not drift between versions)', () => {
    const s = new SyntheticSeries({ seed: 42 })
    expect([0, 1, 2, 100].map((e) => s.valueAt(e))).toEqual([
      99.41909029936093, 99.09390585543844, 98.80268310534561, 93.65898013316053,
    ])
  })

  it('moves through every regime, 30–70 epochs each, never repeating one', () => {
    const s = new SyntheticSeries({ seed: 1 })
    const seen = new Set<string>()
    let e = 0
    let previous = ''
    while (e < 3000) {
      const r = s.regimeAt(e)
      expect(r.start).toBe(e)
      expect(r.length).toBeGreaterThanOrEqual(30)
      expect(r.length).toBeLessThanOrEqual(70)
      expect(r.kind).not.toBe(previous)
      seen.add(r.kind)
      previous = r.kind
      e += r.length
    }
    expect([...seen].sort()).toEqual([...REGIME_KINDS].sort())
  })

  it('stays positive (log losses need it) and answers nothing before epoch 0', () => {
    const s = new SyntheticSeries({ seed: 3 })
    for (let e = 0; e < 20_000; e += 7) expect(s.valueAt(e)).toBeGreaterThan(0)
    expect(s.valueAt(-1)).toBeUndefined()
  })
})

describe('csv series', () => {
  const text = '"date","price","volume"\n2020-01-01,10.5,100\n2020-01-02,11,NA\n2020-01-03,12.25,300\n'

  it('replays the first numeric column by default: epoch e is data row e', () => {
    const s = parseCsvSeries(text, 'x.csv')
    expect(s.column).toBe('price')
    expect([0, 1, 2, 3].map((e) => s.valueAt(e))).toEqual([10.5, 11, 12.25, undefined])
    expect(s.length).toBe(3)
  })

  it('selects a column by header or by 1-based number; empty and NA cells are unknown', () => {
    expect(parseCsvSeries(text, 'x.csv', 'volume').valueAt(1)).toBeUndefined()
    expect(parseCsvSeries(text, 'x.csv', '3').valueAt(2)).toBe(300)
    expect(parseCsvSeries('1,2\n3,4\n', 'y.csv', '2').valueAt(1)).toBe(4)
  })

  it('names the file, line and column in its errors', () => {
    expect(() => parseCsvSeries(text, 'x.csv', 'open')).toThrow(
      'csv x.csv: no column "open" (columns: "date", "price", "volume", or a number 1..3)',
    )
    expect(() => parseCsvSeries('"a"\n1\nabc\n', 'z.csv')).toThrow(
      'csv z.csv: line 3, column "a": "abc" is not a number',
    )
    expect(() => parseCsvSeries('"a"\n', 'e.csv')).toThrow(/no data rows/)
    expect(() => parseCsvSeries('"a","b"\nx,y\n', 'n.csv')).toThrow(/no numeric column/)
  })

  it('loads the shipped small series', async () => {
    const s = await loadCsvSeries(`${REPO}configs/series-small.csv`)
    expect(s.length).toBe(200)
    expect(s.column).toBe('level')
    expect(s.valueAt(0)).toBe(100.157)
    await expect(loadCsvSeries(`${REPO}configs/nope.csv`)).rejects.toThrow(/csv .*nope\.csv: cannot read \(ENOENT\)/)
  })
})

describe('ground-truth specs', () => {
  it('builds each kind', async () => {
    expect((await createGroundTruth('synthetic')).name).toBe('synthetic:1')
    expect((await createGroundTruth('synthetic:42')).valueAt(7)).toBe(new SyntheticSeries({ seed: 42 }).valueAt(7))
    const csv = await createGroundTruth('csv:configs/series-small.csv:seasonal', { baseDir: REPO })
    expect(csv.name).toMatch(/series-small\.csv:seasonal$/)
    expect(await csv.valueAt(0)).toBe(10.047)
    expect((await createGroundTruth('csv:configs/series-small.csv', { baseDir: REPO })).name).toMatch(/:level$/)
    expect((await createGroundTruth('http:http://127.0.0.1:1/t/{epoch}')).name).toBe(
      'http:http://127.0.0.1:1/t/{epoch}',
    )
    expect((await createGroundTruth('https://example.org/t')).name).toBe('http:https://example.org/t')
  })

  it.each([
    ['synthetic:x', /the seed must be an integer/],
    ['csv:', /csv needs a path/],
    ['excel:a.xls', /unknown kind "excel"/],
    ['http:ftp://x', /must be http\(s\)/],
  ])('rejects %s', async (spec, message) => {
    await expect(createGroundTruth(spec)).rejects.toThrow(GroundTruthError)
    await expect(createGroundTruth(spec)).rejects.toThrow(message)
  })
})

describe('http series', () => {
  let server: Server
  let base = ''
  let requests = 0

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++
      const m = /\/truth\/(\d+)/.exec(req.url ?? '')
      const epoch = m ? Number(m[1]) : Number(new URL(req.url ?? '', 'http://x').searchParams.get('epoch'))
      if (epoch === 13) return void res.writeHead(500).end('boom')
      if (epoch === 14) return void res.end('"soon"')
      if (epoch === 15) return // never answers
      if (epoch >= 100) return void res.writeHead(404).end()
      res.setHeader('content-type', 'application/json')
      res.end(epoch % 2 === 0 ? JSON.stringify(epoch * 2) : JSON.stringify({ value: epoch * 2 }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('GETs the URL template with the epoch and caches known values', async () => {
    const s = new HttpSeries(`${base}/truth/{epoch}`)
    expect(await s.valueAt(4)).toBe(8)
    expect(await s.valueAt(5)).toBe(10)
    const before = requests
    expect(await s.valueAt(4)).toBe(8)
    expect(requests).toBe(before)
    expect(await new HttpSeries(`${base}/q`).valueAt(6)).toBe(12)
  })

  it('treats 404 as not known yet, and fails clearly otherwise', async () => {
    const s = new HttpSeries(`${base}/truth/{epoch}`, { timeoutMs: 200 })
    expect(await s.valueAt(100)).toBeUndefined()
    await expect(s.valueAt(13)).rejects.toThrow(`http source ${base}/truth/13: HTTP 500`)
    await expect(s.valueAt(14)).rejects.toThrow(/expected a number or \{"value": number\}/)
    await expect(s.valueAt(15)).rejects.toThrow(/timed out after 200 ms/)
  })
})
