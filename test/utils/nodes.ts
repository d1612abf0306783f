/** Starting real Chorus nodes on 127.0.0.1 for tests. */
import { ChorusNode, LOOPBACK_TUNING, type ChorusNodeOptions } from '../../src/p2p/index.js'
import { waitFor } from './wait.js'

export const TEST_CHAIN = 'chorus-test'

export async function startNode(options: Partial<ChorusNodeOptions> = {}): Promise<ChorusNode> {
  return ChorusNode.create({ chainId: TEST_CHAIN, ...LOOPBACK_TUNING, ...options })
}

export async function startNodes(count: number, options: Partial<ChorusNodeOptions> = {}): Promise<ChorusNode[]> {
  return Promise.all(Array.from({ length: count }, () => startNode(options)))
}

/** Each node dials only its successor: 0 — 1 — 2 — ... */
export async function connectLine(nodes: readonly ChorusNode[]): Promise<void> {
  for (let i = 0; i + 1 < nodes.length; i++) await nodes[i].dial(nodes[i + 1].multiaddrs()[0])
}

/** Wait until every node of a line has its neighbours in the channel's mesh. */
export async function waitForLineMesh(nodes: readonly ChorusNode[], channel: string): Promise<void> {
  await waitFor(
    () => nodes.every((node, i) => node.meshPeers(channel).length >= (i === 0 || i === nodes.length - 1 ? 1 : 2)),
    `line mesh on ${channel}`,
  )
}

export async function stopAll(nodes: readonly ChorusNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()))
}
