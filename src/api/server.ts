/**
 * The consumer API a node serves with `--api HOST:PORT` (docs/api.md): JSON over HTTP,
 * read-only except `POST /v1/tx`, which publishes a transaction only after checking its
 * envelope, signature and chain and the committed ledger's verdict.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import { genesisHash } from '../consensus/ledger/index.js'
import { MESSAGE_SPECS, TOPIC_ID_PATTERN } from '../wire/index.js'
import { BlockReader } from './blocks.js'
import { ChainIndex, type ChainIndexOptions } from './chain-index.js'
import { fromBase64 } from './encoding.js'
import { ApiError, badRequest } from './errors.js'
import { LiveHub, type LiveHubOptions } from './live.js'
import { dashboardAssets, RecentBlocks } from './dashboard.js'
import { TruthFeed } from './truth-feed.js'
import { networkView } from './network-view.js'
import { proposalsView } from './governance-view.js'
import { committeeView } from './committee-view.js'
import { nodeMetrics } from './metrics.js'
import type { ApiNode, CommitEvent } from './node.js'
import { TxTracker, type TxStatus, type TxTrackerOptions } from './tx-tracker.js'
import {
  accountView,
  blockView,
  epochView,
  genesisView,
  healthView,
  inferenceView,
  statusView,
  topicView,
  topicsView,
  type ViewContext,
} from './views.js'

export interface ApiServerOptions {
  /** Where to listen, e.g. 127.0.0.1; nowhere else. */
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Longest wait of `POST /v1/tx?wait=1`. @default 30000 */
  readonly txWaitMs?: number
  /** Largest request body. @default 16 KiB (a tx envelope is at most 8 KiB, 10.7 KiB in base64) */
  readonly bodyLimit?: number
  readonly tx?: TxTrackerOptions
  readonly index?: ChainIndexOptions
  /** Bounds of the live event stream (`GET /v1/events`). */
  readonly live?: LiveHubOptions
  /** Hears what went wrong behind a 500 (which tells the client nothing more). @default ignored */
  readonly onInternalError?: (err: unknown) => void
}

export interface ApiServer {
  /** `http://HOST:PORT` as bound. */
  readonly url: string
  /** Resolves once the blocks committed before the start are indexed. */
  readonly indexed: Promise<void>
  close(): Promise<void>
}

const HEX_ID = /^[0-9a-f]{64}$/
const NAT = /^(0|[1-9][0-9]{0,14})$/

function topicParam(params: unknown): string {
  const id = (params as { id?: unknown }).id
  if (typeof id !== 'string' || !TOPIC_ID_PATTERN.test(id)) throw badRequest(`topic id must match ${TOPIC_ID_PATTERN}`)
  return id
}

function natParam(value: unknown, what: string): number {
  if (typeof value !== 'string' || !NAT.test(value)) throw badRequest(`${what} must be a non-negative integer`)
  return Number(value)
}

function hexParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HEX_ID.test(value)) throw badRequest(`${what} must be 64 lowercase hex digits`)
  return value
}

const txBody = z.strictObject({ tx: z.string() })
const txQuery = z.strictObject({ wait: z.enum(['0', '1', 'true', 'false']).optional() })

/** Statuses answer 202 while pending, else 200. */
const txCode = (status: TxStatus): number => (status.status === 'pending' ? 202 : 200)

export async function startApiServer(node: ApiNode, options: ApiServerOptions): Promise<ApiServer> {
  if (options.host === '') throw new Error('the API needs a host to listen on (e.g. 127.0.0.1)')
  const index = new ChainIndex(node, options.index)
  const blocks = new BlockReader(node)
  const tracker = new TxTracker(node, index, options.tx)
  const metrics = nodeMetrics(node)
  const live = new LiveHub(options.live)
  const recent = new RecentBlocks(node)
  const assets = dashboardAssets()
  const truths = new TruthFeed(
    (topic, epoch) => node.groundTruth?.(topic, epoch),
    (point) => live.publish('truth', point),
    recent.capacity,
  )
  // Off the commit path: the event is built and written after the driver's listeners return.
  const onCommit = (commit: CommitEvent): void => {
    setImmediate(() => {
      try {
        const block = recent.onCommit(commit)
        live.publish('block', block, commit.height)
        void truths.want(block.epochs)
      } catch (err) {
        options.onInternalError?.(err)
      }
    })
  }
  node.events.on('commit', onCommit)
  const stopLive = (): void => {
    node.events.off('commit', onCommit)
    truths.close()
    live.close()
  }
  const ctx: ViewContext = { node, index, blocks, genesisHash: genesisHash(node.genesis) }
  const waitMs = options.txWaitMs ?? 30_000
  const maxTxBase64 = Math.ceil(MESSAGE_SPECS.tx.maxBytes / 3) * 4

  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    // Long-polling waiters are answered by close() itself; idle keep-alive sockets must not hold it.
    forceCloseConnections: 'idle',
  })

  // JSON only: a body of another type is answered 415.
  app.removeContentTypeParser('text/plain')
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.body())
    const status = err.statusCode ?? 500
    if (status === 413)
      return reply.code(413).send(new ApiError(413, 'payload-too-large', 'the request body is too large').body())
    if (status === 415)
      return reply
        .code(415)
        .send(new ApiError(415, 'unsupported-media-type', 'send the body as application/json').body())
    if (status >= 400 && status < 500) return reply.code(400).send(badRequest(err.message).body())
    options.onInternalError?.(err)
    return reply.code(500).send(new ApiError(500, 'internal', 'internal error').body())
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(new ApiError(404, 'not-found', `no route ${request.method} ${request.url}`).body()),
  )

  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.text()))
  // The dashboard: its page and files from memory; scripts only from this origin.
  const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
  app.get('/', async (_request, reply) =>
    reply.type(assets.page.type).header('content-security-policy', csp).send(assets.page.body),
  )
  app.get('/assets/:file', async (request, reply) => {
    const asset = assets.files.get((request.params as { file: string }).file)
    if (asset === undefined) throw new ApiError(404, 'not-found', `no asset ${request.url}`)
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body)
  })
  app.get('/v1/dashboard/history', async (request) => {
    const query = request.query as { limit?: unknown; from?: unknown }
    const limit = query.limit === undefined ? recent.capacity : natParam(query.limit, 'limit')
    const blocks = query.from === undefined ? recent.latest(limit) : recent.range(natParam(query.from, 'from'), limit)
    const epochs = blocks.flatMap((b) => b.epochs)
    // The truths a quick source knows now come with the blocks; a slow one's follow as events.
    await Promise.race([truths.want(epochs), new Promise((r) => setTimeout(r, 1000).unref())])
    const asked = new Set(epochs.map((e) => `${e.topic}\u0000${e.epoch}`))
    return { blocks, truths: truths.points().filter((p) => asked.has(`${p.topic}\u0000${p.epoch}`)) }
  })
  app.get('/v1/dashboard/network', async () => networkView(node, live.stats))
  app.get('/v1/proposals', async () => proposalsView(node.chain().ledger))
  app.get('/v1/committee', async () => committeeView(node.chain()))
  app.get('/v1/events', (_request, reply) => {
    if (live.full) throw new ApiError(503, 'busy', 'too many live streams are open; try again later')
    reply.hijack()
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    })
    live.add(reply.raw)
  })
  app.get('/v1/health', async () => healthView(ctx))
  app.get('/v1/status', async () => statusView(ctx))
  app.get('/v1/genesis', async () => genesisView(ctx))
  app.get('/v1/topics', async () => topicsView(ctx))
  app.get('/v1/topics/:id', async (request) => topicView(ctx, topicParam(request.params)))
  app.get('/v1/topics/:id/inference', async (request) => inferenceView(ctx, topicParam(request.params)))
  app.get('/v1/topics/:id/epochs/:epoch', async (request) => {
    const id = topicParam(request.params)
    return epochView(ctx, id, natParam((request.params as { epoch?: unknown }).epoch, 'epoch'))
  })
  app.get('/v1/blocks/:height', async (request) => {
    const raw = (request.params as { height?: unknown }).height
    return blockView(ctx, raw === 'latest' ? 'latest' : natParam(raw, 'height'))
  })
  app.get('/v1/accounts/:key', async (request) =>
    accountView(ctx, hexParam((request.params as { key?: unknown }).key, 'account key')),
  )
  app.get('/v1/tx/:id', async (request) => {
    const id = hexParam((request.params as { id?: unknown }).id, 'tx id')
    const status = tracker.status(id)
    if (status !== undefined) return status
    if (!index.complete)
      throw new ApiError(503, 'indexing', 'the blocks committed before the API started are still being indexed')
    throw new ApiError(404, 'not-found', `no tx ${id} is known here (submitted through this API or in a block)`)
  })
  app.post('/v1/tx', async (request, reply) => {
    const query = txQuery.safeParse(request.query ?? {})
    if (!query.success) throw badRequest('the only query parameter is wait=1 (or 0)')
    const body = txBody.safeParse(request.body)
    if (!body.success) throw badRequest('the body must be {"tx": "<the signed tx envelope, base64>"}')
    const text = body.data.tx
    if (text.length > maxTxBase64)
      throw new ApiError(413, 'payload-too-large', `a tx envelope is at most ${MESSAGE_SPECS.tx.maxBytes} bytes`)
    const bytes = fromBase64(text)
    if (bytes === undefined || bytes.length === 0) throw badRequest('tx must be the envelope bytes in standard base64')
    let status = await tracker.submit(bytes)
    const wait = query.data.wait === '1' || query.data.wait === 'true'
    if (wait && status.status === 'pending') status = (await tracker.wait(status.id, waitMs)) ?? status
    return reply.code(txCode(status)).send(status)
  })

  index.start()
  tracker.start()
  try {
    await app.listen({ host: options.host, port: options.port })
  } catch (err) {
    stopLive()
    metrics.close()
    tracker.close()
    index.close()
    await app.close()
    throw err
  }
  const address = app.server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | undefined
  return {
    url: `http://${host}:${address.port}`,
    indexed: index.backfilled,
    close: () => {
      closing ??= (async () => {
        // Answer whoever waits on a tx first, so the server can finish its requests and close.
        // The live streams never end by themselves: end them first, or the server waits on them.
        stopLive()
        metrics.close()
        tracker.close()
        index.close()
        await app.close()
      })()
      return closing
    },
  }
}
