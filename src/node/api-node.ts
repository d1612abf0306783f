/** A role node as the consumer API reads it (src/api/node.ts). */
import { startApiServer, type ApiNode, type ApiServer } from '../api/index.js'
import type { Genesis } from '../consensus/ledger/index.js'
import { decodeEnvelope, globalChannel, messageId, toHex } from '../wire/index.js'
import type { GroundTruthSource } from '../roles/plugins.js'
import type { RoleNode } from './role-node.js'
import { WorkerService } from '../roles/worker.js'

/** `truth` is where the dashboard reads each topic's ground truth (none: the page shows no truth). */
export function apiNodeOf(
  node: RoleNode,
  genesis: Genesis,
  truth: ReadonlyMap<string, GroundTruthSource> = new Map(),
): ApiNode {
  const { driver } = node
  return {
    genesis,
    participantId: node.participantId,
    peerId: node.node.peerId,
    role: node.role,
    listenAddrs: () => node.node.multiaddrs(),
    connectedPeers: () => node.node.connectedPeers(),
    chain: () => driver.chain,
    block: (height) => driver.storedBlock(height),
    events: driver.events,
    groundTruth: (topicId, epoch) => truth.get(topicId)?.valueAt(epoch),
    stats: () => ({
      messagesByChannel: node.node.validator.byChannel.snapshot(),
      messagesByReason: node.node.validator.counters.snapshot(),
      connections: node.node.connectionCount(),
      meshPeers: Object.fromEntries(node.node.channels().map((c) => [c, node.node.meshPeers(c).length])),
      workerEvents: workerEvents(node),
    }),
    publishTx: async (bytes) => {
      // Gossip does not deliver a node's own messages to it: a committee member pools its own.
      if (driver.isMember()) driver.pool.add(toHex(messageId(bytes)), decodeEnvelope(bytes), bytes)
      await node.node.publishRaw(globalChannel('tx'), bytes)
    },
  }
}

function workerEvents(node: RoleNode): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of node.services)
    if (s instanceof WorkerService) for (const [event, n] of s.counters) out[`${s.topic.config.id}:${event}`] = n
  return out
}

/** Serve the consumer API of `node` on `listen` (`HOST:PORT`; port 0 picks a free one). */
export async function serveApi(
  node: RoleNode,
  genesis: Genesis,
  listen: string,
  truth?: ReadonlyMap<string, GroundTruthSource>,
): Promise<ApiServer> {
  const { host, port } = parseListen(listen)
  return startApiServer(apiNodeOf(node, genesis, truth), { host, port })
}

/** `HOST:PORT` (IPv6 hosts in brackets): what --api takes. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim())
  const port = m === null ? Number.NaN : Number(m[3])
  if (m === null || port > 65535) throw new Error(`must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`)
  return { host: m[1] ?? m[2], port }
}
