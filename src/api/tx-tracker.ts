/**
 * Transactions submitted through the API: checked before anything is published (size,
 * envelope, type, chain, signature, then the committed ledger), published through the node,
 * then followed until a committed block holds them.
 *
 * The ledger check runs on the committed ledger with this API's own pending transactions of
 * the same signer applied first, in nonce order, so a client may send nonces n, n+1, ...
 * without waiting for each to commit. Nothing is published that the ledger would refuse now.
 */
import {
  applyTx,
  ledgerEpochAt,
  ledgerTxOf,
  type LedgerState,
  type LedgerTx,
  type TxRejectCode,
} from '../consensus/ledger/index.js'
import { TX_NONCE_WINDOW } from '../consensus/pool/tx-admission.js'
import { verifyEnvelopeBytes, type ValidationCode } from '../p2p/index.js'
import { Ed25519Verifier, MESSAGE_SPECS, messageId, readEnvelope, toHex, type Envelope } from '../wire/index.js'
import type { ChainIndex } from './chain-index.js'
import { ApiError, ledgerRefusal, type ApiErrorCode } from './errors.js'
import type { ApiNode, CommitEvent } from './node.js'

export type TxStatus =
  | { readonly id: string; readonly status: 'pending'; readonly submittedAtMs: number }
  | { readonly id: string; readonly status: 'committed'; readonly height: number; readonly blockHash: string }
  | {
      readonly id: string
      readonly status: 'rejected'
      readonly code: ApiErrorCode
      readonly ledgerCode?: TxRejectCode
      readonly reason: string
    }
  | { readonly id: string; readonly status: 'expired'; readonly reason: string }

interface Pending {
  readonly id: string
  readonly tx: LedgerTx
  readonly submittedAtMs: number
}

export interface TxTrackerOptions {
  /** Transactions pending at once; more are refused with 503. @default 1000 */
  readonly maxPending?: number
  /** Statuses remembered (the oldest settled ones are forgotten first). @default 10000 */
  readonly maxRecords?: number
  /** A pending tx not committed after this long is no longer followed. @default 120000 */
  readonly pendingTtlMs?: number
  /** @default Date.now */
  readonly now?: () => number
}

/** What the transport's verdicts on envelope bytes become. */
const ENVELOPE_ERRORS: Partial<Record<ValidationCode, readonly [number, ApiErrorCode]>> = {
  oversized: [413, 'payload-too-large'],
  malformed: [400, 'bad-envelope'],
  'bad-envelope': [400, 'bad-envelope'],
  'wrong-chain': [400, 'wrong-chain'],
  'bad-payload': [400, 'bad-payload'],
  'bad-signature': [400, 'bad-signature'],
}

export class TxTracker {
  private readonly records = new Map<string, TxStatus>()
  private readonly pending = new Map<string, Pending>()
  private readonly waiters = new Map<string, Set<(status: TxStatus) => void>>()
  private readonly verifier = new Ed25519Verifier()
  private readonly listener = (c: CommitEvent): void => this.onCommit(c)
  private readonly maxPending: number
  private readonly maxRecords: number
  private readonly ttlMs: number
  private readonly now: () => number
  private closed = false

  constructor(
    private readonly node: Pick<ApiNode, 'genesis' | 'chain' | 'events' | 'publishTx' | 'block'>,
    private readonly index: Pick<ChainIndex, 'heightOfTx'>,
    options: TxTrackerOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 1000
    this.maxRecords = options.maxRecords ?? 10_000
    this.ttlMs = options.pendingTtlMs ?? 120_000
    this.now = options.now ?? Date.now
  }

  start(): void {
    this.node.events.on('commit', this.listener)
  }

  /** Stop following; whoever waits gets the status as it is. */
  close(): void {
    this.closed = true
    this.node.events.off('commit', this.listener)
    for (const id of [...this.waiters.keys()]) this.notify(id)
  }

  /** What is known of a tx id: submitted here, or found in a committed block. */
  status(id: string): TxStatus | undefined {
    const record = this.records.get(id)
    if (record !== undefined && record.status !== 'rejected' && record.status !== 'expired') return record
    const height = this.index.heightOfTx(id)
    const stored = height === undefined ? undefined : this.node.block(height)
    if (stored !== undefined) return { id, status: 'committed', height: stored.height, blockHash: toHex(stored.hash) }
    return record
  }

  /**
   * Check and publish envelope bytes. Answers the status (pending, or committed if the same
   * bytes were committed already); throws ApiError for anything refused, publishing nothing.
   */
  async submit(bytes: Uint8Array): Promise<TxStatus> {
    const maxBytes = MESSAGE_SPECS.tx.maxBytes
    if (bytes.length > maxBytes)
      throw new ApiError(
        413,
        'payload-too-large',
        `a tx envelope is at most ${maxBytes} bytes, this is ${bytes.length}`,
      )
    this.expire()
    const id = toHex(messageId(bytes))
    const known = this.status(id)
    if (known !== undefined && (known.status === 'pending' || known.status === 'committed')) return known

    let type: string
    try {
      type = readEnvelope(bytes).envelope.type
    } catch (err) {
      throw new ApiError(400, 'bad-envelope', `not a signed envelope: ${(err as Error).message}`)
    }
    if (type !== 'tx') throw new ApiError(400, 'not-a-tx', `the envelope is a ${type}, not a tx`)
    const chainId = this.node.genesis.chainId
    const read = verifyEnvelopeBytes(bytes, chainId, this.verifier)
    if (!read.ok) {
      const [status, code] = ENVELOPE_ERRORS[read.code] ?? [400, 'bad-envelope']
      const message = read.code === 'wrong-chain' ? `${read.reason}: this node runs chain "${chainId}"` : read.reason
      throw new ApiError(status, code, message)
    }
    const tx = ledgerTxOf(read.envelope as Envelope<'tx'>)

    const refusal = this.checkLedger(tx)
    if (refusal !== undefined) {
      if (refusal.ledgerCode !== undefined)
        this.remember({
          id,
          status: 'rejected',
          code: refusal.code,
          ledgerCode: refusal.ledgerCode,
          reason: refusal.message,
        })
      throw refusal
    }
    if (this.pending.size >= this.maxPending)
      throw new ApiError(503, 'too-many-pending', `${this.pending.size} transactions are pending here; try again later`)
    const pending: Pending = { id, tx, submittedAtMs: this.now() }
    // Followed before it is published: its block may come before publishTx returns.
    this.pending.set(id, pending)
    const status: TxStatus = { id, status: 'pending', submittedAtMs: pending.submittedAtMs }
    this.remember(status)
    try {
      await this.node.publishTx(bytes)
    } catch (err) {
      this.pending.delete(id)
      this.records.delete(id)
      throw new ApiError(503, 'unavailable', `the node could not publish the tx: ${(err as Error).message}`)
    }
    return this.records.get(id) ?? status
  }

  /** The status once it is no longer pending, or as it is after `timeoutMs`. */
  wait(id: string, timeoutMs: number): Promise<TxStatus | undefined> {
    const current = this.status(id)
    if (current?.status !== 'pending' || this.closed) return Promise.resolve(current)
    return new Promise((resolve) => {
      let set = this.waiters.get(id)
      if (set === undefined) this.waiters.set(id, (set = new Set()))
      const done = (status: TxStatus): void => {
        clearTimeout(timer)
        set.delete(done)
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id)
        resolve(status)
      }
      const timer = setTimeout(() => done(this.status(id) ?? current), timeoutMs)
      set.add(done)
    })
  }

  /** The ledger's verdict on `tx` after this API's pending txs of its signer; undefined if it applies. */
  private checkLedger(tx: LedgerTx): ApiError | undefined {
    const chain = this.node.chain()
    let ledger: LedgerState = chain.ledger
    const account = ledger.accounts.get(tx.signer)
    if (account === undefined)
      return new ApiError(422, 'unknown-account', `the ledger has no account ${tx.signer}: fund it first`)
    if (tx.accountNonce >= account.nonce + TX_NONCE_WINDOW)
      return ledgerRefusal(
        'FUTURE_NONCE',
        `accountNonce ${tx.accountNonce} is too far ahead: the next is ${account.nonce}, coordinators hold at most ${TX_NONCE_WINDOW - 1} beyond it`,
      )
    const context = { height: chain.height + 1, epoch: ledgerEpochAt(this.node.genesis, this.now()) }
    const mine = [...this.pending.values()]
      .filter((p) => p.tx.signer === tx.signer)
      .sort((a, b) => a.tx.accountNonce - b.tx.accountNonce)
    for (const p of mine) {
      const r = applyTx(ledger, p.tx, context)
      if (r.ok) ledger = r.state
    }
    const r = applyTx(ledger, tx, context)
    return r.ok ? undefined : ledgerRefusal(r.code, r.reason)
  }

  private onCommit(c: CommitEvent): void {
    for (const bytes of c.block.txs) {
      const id = toHex(messageId(bytes))
      if (!this.records.has(id)) continue
      this.pending.delete(id)
      this.settle({ id, status: 'committed', height: c.height, blockHash: c.hash })
    }
    // A pending tx whose nonce another tx used can never be committed.
    const ledger = this.node.chain().ledger
    for (const p of [...this.pending.values()]) {
      const next = ledger.accounts.get(p.tx.signer)?.nonce ?? 0
      if (p.tx.accountNonce >= next) continue
      this.pending.delete(p.id)
      this.settle({
        id: p.id,
        status: 'rejected',
        code: 'nonce',
        ledgerCode: 'REPLAYED_NONCE',
        reason: `accountNonce ${p.tx.accountNonce} was used by another transaction (the next is ${next})`,
      })
    }
    this.expire()
  }

  /** Stop following pending txs older than the TTL. */
  private expire(): void {
    const limit = this.now() - this.ttlMs
    for (const p of this.pending.values()) {
      if (p.submittedAtMs > limit) break
      this.pending.delete(p.id)
      this.settle({
        id: p.id,
        status: 'expired',
        reason: `not committed within ${this.ttlMs / 1000} s of its submission; no longer followed (it may still be committed)`,
      })
    }
  }

  private settle(status: TxStatus): void {
    this.remember(status)
    this.notify(status.id)
  }

  private notify(id: string): void {
    const set = this.waiters.get(id)
    if (set === undefined) return
    const status = this.status(id)
    if (status === undefined) return
    for (const done of [...set]) done(status)
  }

  private remember(status: TxStatus): void {
    this.records.delete(status.id)
    this.records.set(status.id, status)
    if (this.records.size <= this.maxRecords) return
    for (const [id, record] of this.records) {
      if (record.status === 'pending') continue
      this.records.delete(id)
      break
    }
  }
}
