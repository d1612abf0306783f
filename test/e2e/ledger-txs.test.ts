/**
 * Transactions over the network: a transfer signed by a worker's key is committed and moves
 * the balances on every member; an overdraft and an unstake of more than is staked are refused
 * with a reason and change nothing; a replay of a committed nonce and a tx from a key the
 * ledger does not know are turned down by the coordinators' validators (before a signature
 * check); a tampered signature is rejected by every node's validator before it reaches a block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCluster, type ClusterMember } from '../../src/cluster/local-cluster.js'
import { balanceOf, selfStakeOf } from '../../src/consensus/ledger/index.js'
import { encodeEnvelope, globalChannel, signEnvelope, type UnsignedEnvelope } from '../../src/wire/index.js'
import { generateIdentity, type ChorusNode, type CounterKey } from '../../src/p2p/index.js'
import { parseTopicConfig } from '../../src/topic/config.js'
import { driverOf } from '../utils/committee.js'
import { nextEvent, waitFor } from '../utils/wait.js'

const topic = parseTopicConfig({ id: 'ledger', name: 'ledger', epochMs: 300, groundTruth: 'synthetic:55' }, 'ledger')

describe('ledger transactions', () => {
  let cluster: LocalCluster
  let coordinators: ClusterMember[]
  let sender: ChorusNode
  let receiver: string

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      topics: [topic],
      coordinators: 2,
      workers: 2,
      reputers: 1,
      startDelayMs: 1000,
    })
    coordinators = cluster.members.filter((m) => m.role === 'coordinator')
    const workers = cluster.members.filter((m) => m.role === 'worker')
    sender = workers[0].node.node
    receiver = workers[1].node.participantId
    await waitFor(() => coordinators.every((m) => driverOf(m).chain.height >= 2), 'two blocks', 30_000)
  }, 40_000)
  afterAll(() => cluster.stop())

  const ledgerOf = (m: ClusterMember) => driverOf(m).chain.ledger
  const tx = (
    accountNonce: number,
    kind: 'transfer' | 'unstake',
    body: Record<string, string>,
  ): UnsignedEnvelope<'tx'> => ({
    type: 'tx',
    chainId: cluster.genesis.chainId,
    topicId: '',
    epoch: 0,
    nonce: new Uint8Array(0),
    payload: { kind, accountNonce, body },
  })

  it('commits a transfer on every member', async () => {
    const before = balanceOf(ledgerOf(coordinators[0]), receiver)
    await sender.publish(tx(0, 'transfer', { to: receiver, amount: '12345' }))
    await waitFor(
      () => coordinators.every((m) => balanceOf(ledgerOf(m), receiver) >= before + 12345n),
      'transfer committed',
      30_000,
    )
  })

  it('refuses an overdraft, an unstake beyond the stake and a replayed nonce, with reasons', async () => {
    const me = sender.participantId
    // Far beyond what it holds (its balance grows with rewards while the test runs).
    const balance = balanceOf(ledgerOf(coordinators[0]), me) * 10n
    const stake = selfStakeOf(ledgerOf(coordinators[0]), me)
    const rejections: string[] = []
    for (const c of coordinators) driverOf(c).events.on('tx-rejected', (r) => rejections.push(r.reason))
    // (Each coordinator reports a refusal when it proposes, so a reason may come twice.)
    const seen = (pattern: RegExp) => () => rejections.some((r) => pattern.test(r))
    await sender.publish(tx(1, 'transfer', { to: receiver, amount: balance.toString() }))
    await waitFor(seen(/INSUFFICIENT_BALANCE/), 'overdraft refused', 20_000)
    await sender.publish(tx(1, 'unstake', { amount: (stake + 1n).toString() }))
    await waitFor(seen(/stake/i), 'unstake refused', 20_000)
    // Nonce 0 was used by the transfer above: a replay with new content never reaches a pool.
    const hub = coordinators[0].node.node
    const stale = nextEvent(hub.events, 'validation', (d) => d.code === 'nonce-window')
    await sender.publish(tx(0, 'transfer', { to: receiver, amount: '1' }))
    expect((await stale).code).toBe('nonce-window')
    // Nothing of them was applied: the account's nonce is still the one after the transfer,
    // and its stake is untouched.
    for (const m of coordinators) {
      expect(ledgerOf(m).accounts.get(me)?.nonce).toBe(1)
      expect(selfStakeOf(ledgerOf(m), me)).toBe(stake)
    }
  })

  it('ignores a tx from a key the ledger has no account for', async () => {
    const stranger = await generateIdentity()
    const hub = coordinators[0].node.node
    const verdict = nextEvent(hub.events, 'validation', (d) => d.code === 'unknown-account')
    await sender.publishRaw(
      globalChannel('tx'),
      encodeEnvelope(
        signEnvelope(tx(0, 'transfer', { to: receiver, amount: '1' }), stranger.secretKey, stranger.publicKey),
      ),
    )
    expect((await verdict).code).toBe('unknown-account')
    expect(hub.validator.counters.get('ignore:unknown-account' as CounterKey)).toBeGreaterThanOrEqual(1)
  })

  it('rejects a tx whose signature was tampered with at the validator', async () => {
    const env = signEnvelope(
      tx(1, 'transfer', { to: receiver, amount: '1' }),
      sender.identity.secretKey,
      sender.identity.publicKey,
    )
    const sig = new Uint8Array(env.signature)
    sig[0] ^= 1
    const hub = coordinators[0].node.node
    const verdict = nextEvent(hub.events, 'validation', (d) => d.code === 'bad-signature')
    await sender.publishRaw(globalChannel('tx'), encodeEnvelope({ ...env, signature: sig }))
    expect((await verdict).code).toBe('bad-signature')
    expect(hub.validator.counters.get('reject:bad-signature' as CounterKey)).toBeGreaterThanOrEqual(1)
  })
})
