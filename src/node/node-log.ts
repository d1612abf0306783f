/**
 * What a node writes to its structured log: one line per event that matters, never one per
 * gossiped message. Committed blocks and their topic epochs, peers joining and leaving, refused
 * transactions, skipped epochs, consensus errors; and messages rejected by the validator, with
 * their reason, at most REJECTIONS_PER_SECOND lines a second (a flood of garbage must not
 * become a flood of log lines; the rest are counted into the next line).
 */
import type { CommitEvent, TxRejection } from '../consensus/driver/driver.js'
import type { ValidationEventDetail } from '../p2p/index.js'
import { WorkerService } from '../roles/worker.js'
import type { Log } from '../util/log.js'
import { LineRateLimit } from '../util/line-rate-limit.js'
import type { RoleNode } from './role-node.js'

const REJECTIONS_PER_SECOND = 10

/** Log `node`'s events to `log`; returns the function that stops it. */
export function logNode(node: RoleNode, log: Log): () => void {
  const { driver } = node
  const p2p = node.node
  const onCommit = (c: CommitEvent): void => {
    const epochs = c.block.topicEpochs.map((e) => ({
      topic: e.topicId,
      epoch: e.epoch,
      inferences: Object.keys(e.inferences).length,
      networkInference: e.output?.networkInference ?? null,
    }))
    log.info({ event: 'block-committed', height: c.height, hash: c.hash, ms: c.ms, epochs }, 'block committed')
  }
  const onTxRejected = (r: TxRejection): void =>
    log.info({ event: 'tx-rejected', tx: r.id, reason: r.reason }, 'transaction refused')
  const onInternalError = (err: unknown): void =>
    log.error({ event: 'consensus-error', error: describe(err) }, 'consensus error')
  const onJoined = (peer: string): void => log.info({ event: 'peer-joined', peer }, 'peer joined')
  const onLeft = (peer: string): void => log.info({ event: 'peer-left', peer }, 'peer left')
  const onHandlerError = (err: unknown): void =>
    log.error({ event: 'handler-error', error: describe(err) }, 'a message handler failed')
  const limit = new LineRateLimit(REJECTIONS_PER_SECOND)
  const onValidation = (v: ValidationEventDetail): void => {
    if (v.action !== 'reject') return
    const suppressed = limit.take()
    if (suppressed === undefined) return
    log.warn(
      { event: 'message-rejected', code: v.code, reason: v.reason, channel: v.channel, from: v.from, suppressed },
      'message rejected',
    )
  }
  const onSkipped = (s: { readonly epoch: number; readonly message: string }): void =>
    log.warn({ event: 'epoch-skipped', epoch: s.epoch, reason: s.message }, 'epoch skipped: no inference')
  const workers = node.services.filter((s): s is WorkerService => s instanceof WorkerService)

  driver.events.on('commit', onCommit)
  driver.events.on('tx-rejected', onTxRejected)
  driver.events.on('internal-error', onInternalError)
  p2p.events.on('peer-connected', onJoined)
  p2p.events.on('peer-disconnected', onLeft)
  p2p.events.on('handler-error', onHandlerError)
  // One call per gossiped message: only when its lines are written at all.
  if (log.isLevelEnabled('warn')) p2p.events.on('validation', onValidation)
  for (const w of workers) w.events.on('epoch-skipped', onSkipped)
  return () => {
    driver.events.off('commit', onCommit)
    driver.events.off('tx-rejected', onTxRejected)
    driver.events.off('internal-error', onInternalError)
    p2p.events.off('peer-connected', onJoined)
    p2p.events.off('peer-disconnected', onLeft)
    p2p.events.off('handler-error', onHandlerError)
    p2p.events.off('validation', onValidation)
    for (const w of workers) w.events.off('epoch-skipped', onSkipped)
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
