import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildLocalGenesis,
  checkConservation,
  genesisToJson,
  initialState,
  isRegistered,
  ledgerEpochAt,
  loadGenesis,
  parseGenesis,
  TOKEN,
  withGenesisTime,
} from '../../../../src/consensus/ledger/index.js'
import { ALICE, genesisFile, idOf, W1 } from './fixtures.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-genesis-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

// biome-ignore lint/suspicious/noExplicitAny: the tests poke arbitrary fields of the raw, untyped file object
type Raw = Record<string, any>

function withChange(change: (g: Raw) => void): unknown {
  const g = structuredClone(genesisFile()) as Raw
  change(g)
  return g
}

describe('genesis file', () => {
  it('loads configs/genesis.json into a conserved state', async () => {
    const g = await loadGenesis('configs/genesis.json')
    expect(g.chainId).toBe('chorus-local')
    expect(g.genesisTime).toBeNull()
    expect(g.committeeSharePpm).toBe(50_000)
    expect(g.emissionPerEpoch).toBe(TOKEN)
    const s = initialState(g)
    expect(checkConservation(s).ok).toBe(true)
    expect(s.supply.genesis).toBe(9n * 1000n * TOKEN + 6n * 10n * TOKEN + 3n * 100n * TOKEN)
    expect(isRegistered(s, 'synthetic', 'worker', `a${'0'.repeat(62)}1`)).toBe(true)
  })

  it('buildLocalGenesis registers everyone in every topic and round-trips through the file form', () => {
    const committee = [idOf('c1')]
    const g = buildLocalGenesis({
      committee,
      workers: [idOf('w1'), idOf('c1')],
      reputers: [idOf('r1')],
      topics: [
        { id: 'a', epochMs: 400 },
        { id: 'b', epochMs: 800 },
      ],
    })
    expect(g.accounts.map((a) => a.id)).toEqual([idOf('c1'), idOf('r1'), idOf('w1')].sort())
    // The committee member is also a worker: one account, the larger stake.
    expect(g.accounts.find((a) => a.id === idOf('c1'))?.stake).toBe(100n * TOKEN)
    const s = initialState(g)
    for (const t of ['a', 'b']) {
      expect(isRegistered(s, t, 'worker', idOf('c1'))).toBe(true)
      expect(isRegistered(s, t, 'reputer', idOf('r1'))).toBe(true)
    }
    expect(parseGenesis(genesisToJson(g), 'round trip')).toEqual(g)
  })

  it('maps a block time to a ledger epoch', () => {
    const g = withGenesisTime(parseGenesis(genesisFile(), 'g'), 10_000)
    expect(ledgerEpochAt(g, 10_000)).toBe(0)
    expect(ledgerEpochAt(g, 12_999)).toBe(2)
    expect(ledgerEpochAt(g, 5_000)).toBe(0)
    expect(() => ledgerEpochAt({ ...g, genesisTime: null }, 1)).toThrow(/genesisTime/)
  })

  it.each([
    [
      'a negative balance',
      (g: Raw) => (g.accounts[0].balance = '-5'),
      /accounts\.0\.balance: must be a decimal string/,
    ],
    ['a fractional stake', (g: Raw) => (g.accounts[1].stake = '1.5'), /accounts\.1\.stake/],
    ['a numeric amount', (g: Raw) => (g.emission.perEpoch = 1000), /emission\.perEpoch/],
    ['a malformed id', (g: Raw) => (g.accounts[0].id = 'alice'), /accounts\.0\.id: must be 64 lowercase hex/],
    ['a duplicate account', (g: Raw) => g.accounts.push({ id: ALICE, balance: '1' }), /accounts\.9\.id: duplicate id/],
    ['an empty committee', (g: Raw) => (g.committee = []), /committee: /],
    [
      'a committee share with 7 decimals',
      (g: Raw) => (g.emission.committeeShare = 0.0500001),
      /emission\.committeeShare: must be a fraction/,
    ],
    ['a slash fraction above 1', (g: Raw) => (g.slashFraction = 1.5), /slashFraction/],
    ['an unknown field', (g: Raw) => (g.treasury = '5'), /\(root\): .*treasury/],
    ['a bad topic id', (g: Raw) => (g.topics[0].id = 'has space'), /topics\.0\.id: must match/],
    [
      'a topic minimum below the chain minimum',
      (g: Raw) => (g.topics[0].minReputerStake = '10'),
      /topics\.0\.minReputerStake: is below/,
    ],
    [
      'a registered worker without an account',
      (g: Raw) => g.topics[0].workers.push(idOf('ghost')),
      /topics\.0\.workers\.2: .* is not in accounts/,
    ],
    [
      'a registered reputer below the minimum',
      (g: Raw) => g.topics[0].reputers.push(W1),
      /topics\.0\.reputers\.2: .*stakes 200, below the topic's minimum 1000/,
    ],
    ['a duplicate registration', (g: Raw) => g.topics[1].workers.push(W1), /topics\.1\.workers\.1: duplicate id/],
  ])('rejects %s, naming the field', (_name, change, message) => {
    expect(() => parseGenesis(withChange(change), 'configs/genesis.json')).toThrow(message)
    expect(() => parseGenesis(withChange(change), 'configs/genesis.json')).toThrow(/^configs\/genesis\.json: /)
  })

  it('names the file when it is missing or not JSON', async () => {
    await expect(loadGenesis(join(dir, 'missing.json'))).rejects.toThrow(
      /cannot read genesis file .*missing\.json: ENOENT/,
    )
    const bad = join(dir, 'bad.json')
    await writeFile(bad, '{ "chainId": ')
    await expect(loadGenesis(bad)).rejects.toThrow(/bad\.json: not valid JSON/)
    const wrong = join(dir, 'wrong.json')
    await writeFile(wrong, JSON.stringify(withChange((g) => (g.unbondingEpochs = -1))))
    await expect(loadGenesis(wrong)).rejects.toThrow(/wrong\.json: unbondingEpochs: /)
  })
})
