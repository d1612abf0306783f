/**
 * What gossip a BFT coordinator admits beyond the transport's own checks, plugged into the
 * node's validator: transactions only from ledger accounts within their nonce window
 * (tx-admission.ts, before the signature), and commit-reveal (a reveal must open the
 * commitment its signer made in the window, so a copier's reveal is rejected and costs it
 * peer score).
 */
import { toHex, type Envelope } from '../../wire/index.js'
import type { ChainState } from '../chain/execution.js'
import { checkReveal } from '../../topic/commit-reveal.js'
import type { MessagePool } from './message-pool.js'
import { checkTxSender } from './tx-admission.js'

export class CoordinatorAdmission {
  constructor(
    private readonly chain: () => ChainState,
    private readonly pool: MessagePool,
  ) {}

  checkSender(envelope: Envelope): void {
    checkTxSender(this.chain().ledger, envelope)
  }

  checkContent(envelope: Envelope): void {
    if (envelope.type !== 'inference') return
    const topic = this.chain().topics.get(envelope.topicId)
    if (topic === undefined || !topic.config.commitReveal) return
    checkReveal(envelope, (signer) => {
      const id = this.pool
        .ids('inference-commit', envelope.topicId, envelope.epoch)
        .find((c) => toHex(this.pool.get(c)!.signer) === signer)
      return id === undefined ? undefined : (this.pool.get(id)!.payload as { commitment: Uint8Array }).commitment
    })
  }
}
