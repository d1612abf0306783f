/** A small genesis with readable amounts, and helpers shared by the ledger tests. */
import { toHex } from '../../../../src/wire/envelope.js'
import {
  initialState,
  ledgerStateHash,
  parseGenesis,
  type LedgerState,
  type LedgerTx,
  type TxContext,
} from '../../../../src/consensus/ledger/index.js'

/** A 64-hex id from a short tag, so test output stays readable. */
export const idOf = (tag: string): string => Buffer.from(tag).toString('hex').padEnd(64, '0')

export const ALICE = idOf('alice')
export const BOB = idOf('bob')
export const CAROL = idOf('carol')
export const W1 = idOf('worker1')
export const W2 = idOf('worker2')
export const R1 = idOf('reputer1')
export const R2 = idOf('reputer2')
export const C1 = idOf('committee1')
export const C2 = idOf('committee2')
export const NOBODY = idOf('nobody')

export const CTX: TxContext = { height: 1, epoch: 0 }

export function genesisFile(): Record<string, unknown> {
  return {
    chainId: 'chorus-test',
    genesisTime: 0,
    epochMs: 1000,
    committee: [
      { id: C1, power: 1 },
      { id: C2, power: 3 },
    ],
    accounts: [
      { id: ALICE, balance: '10000', stake: '0' },
      { id: BOB, balance: '5000', stake: '500' },
      { id: CAROL, balance: '0', stake: '0' },
      { id: W1, balance: '100', stake: '200' },
      { id: W2, balance: '100', stake: '200' },
      { id: R1, balance: '0', stake: '2000' },
      { id: R2, balance: '0', stake: '3000' },
      { id: C1, balance: '0', stake: '1000' },
      { id: C2, balance: '0', stake: '1000' },
    ],
    topics: [
      { id: 't1', epochMs: 1000, initialRevenue: '1000', workers: [W1, W2], reputers: [R1, R2] },
      { id: 't2', epochMs: 2000, initialRevenue: '1000', workers: [W1], reputers: [R2] },
    ],
    emission: { perEpoch: '1000000', committeeShare: 0.05 },
    fees: { createTopic: '500' },
    unbondingEpochs: 3,
    slashFraction: 0.1,
    minimumStake: { worker: '100', reputer: '1000' },
  }
}

export function testState(): LedgerState {
  return initialState(parseGenesis(genesisFile(), 'test genesis'))
}

export function hashOf(state: LedgerState): string {
  return toHex(ledgerStateHash(state))
}

/** A transaction of `signer` with its next nonce in `state`. */
export function txOf(state: LedgerState, signer: string, kind: string, body: LedgerTx['body']): LedgerTx {
  return { signer, kind, accountNonce: state.accounts.get(signer)?.nonce ?? 0, body }
}
