import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SyncError, type ChorusNode } from '../../src/p2p/index.js'
import { encodeEnvelope, messageId, signEnvelope } from '../../src/wire/index.js'
import { startNodes, stopAll, TEST_CHAIN } from '../utils/nodes.js'

describe('sync protocol /chorus/1/sync/1.0.0', () => {
  let server: ChorusNode, client: ChorusNode, liar: ChorusNode
  let stored: Uint8Array

  beforeAll(async () => {
    ;[server, client, liar] = await startNodes(3, { sync: { timeoutMs: 2000 } })
    const { id } = await server.publish({
      type: 'inference',
      chainId: TEST_CHAIN,
      topicId: 'sync-t',
      epoch: 1,
      nonce: new Uint8Array(0),
      payload: { value: 7 },
    })
    stored = id
    // A peer whose "messages" provider answers with some other, well-formed envelope.
    const other = encodeEnvelope(
      signEnvelope(
        {
          type: 'inference',
          chainId: TEST_CHAIN,
          topicId: 'sync-t',
          epoch: 2,
          nonce: new Uint8Array(0),
          payload: { value: 8 },
        },
        liar.identity.secretKey,
        liar.identity.publicKey,
      ),
    )
    liar.sync.provide('messages', () => [other])
    // Items that are not byte strings: the response frame itself is malformed.
    liar.sync.provide('numbers', () => [42 as unknown as Uint8Array])
    liar.sync.provide('garbage', () => {
      throw new Error('boom')
    })
  })
  afterAll(() => stopAll([server, client, liar]))

  it('fetches a message by id from a peer, and null for an unknown id', async () => {
    const [found, missing] = await client.sync.fetchMessages(server.multiaddrs()[0], [stored, new Uint8Array(32)])
    expect(found).not.toBeNull()
    expect(Buffer.from(messageId(found!)).equals(Buffer.from(stored))).toBe(true)
    expect(missing).toBeNull()
  })

  it('fails cleanly on a response that does not match the id asked for', async () => {
    await expect(client.sync.fetchMessages(liar.multiaddrs()[0], [stored])).rejects.toThrow(SyncError)
    await expect(client.sync.fetchMessages(liar.multiaddrs()[0], [stored])).rejects.toThrow(/does not match id/)
  })

  it('fails cleanly on a malformed response frame', async () => {
    await expect(client.sync.request(liar.multiaddrs()[0], 'numbers', null)).rejects.toThrow(/malformed sync response/)
  })

  it('answers an unknown kind or a failing provider with an error, not a crash', async () => {
    await expect(client.sync.request(liar.multiaddrs()[0], 'nope', null)).rejects.toThrow(/unknown request kind/)
    await expect(client.sync.request(liar.multiaddrs()[0], 'garbage', null)).rejects.toThrow(/cannot answer: boom/)
    await expect(client.sync.request(server.multiaddrs()[0], 'messages', 'not a list')).rejects.toThrow(/refused/)
    expect(server.sync.counters.get('served:provider-error')).toBe(1)
    // The server still serves afterwards.
    const [found] = await client.sync.fetchMessages(server.multiaddrs()[0], [stored])
    expect(found).not.toBeNull()
  })

  it('survives a peer that sends garbage frames', async () => {
    await expect(
      client.sync.requestRaw(server.multiaddrs()[0], new Uint8Array([0xde, 0xad, 0xbe, 0xef])),
    ).rejects.toThrow(/malformed request/)
    expect(server.sync.counters.get('served:malformed')).toBeGreaterThanOrEqual(1)
    const [found] = await client.sync.fetchMessages(server.multiaddrs()[0], [stored])
    expect(found).not.toBeNull()
  })
})
