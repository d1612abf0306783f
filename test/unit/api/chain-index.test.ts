/**
 * The API's index of the chain: every topic epoch and tx found at its height, from blocks
 * committed before the API started (indexed in the background, from the tip down) and after;
 * and how the API writes values in JSON.
 */
import { describe, expect, it } from 'vitest'
import { ChainIndex } from '../../../src/api/chain-index.js'
import { fromBase64, jsonOf, toBase64 } from '../../../src/api/encoding.js'
import { messageId, toHex } from '../../../src/wire/index.js'
import { topicEpoch, unitChain } from './helpers.js'

describe('ChainIndex', () => {
  it('finds every epoch, tx and latest inference, before and after it started', async () => {
    const u = await unitChain()
    const tx = Uint8Array.of(1, 2, 3)
    // Runs of epochs per block, a block without the topic, a second topic, a tip without output.
    u.commit({ topicEpochs: [topicEpoch('unit', 0, 1), topicEpoch('unit', 1, 2), topicEpoch('unit', 2, null)] })
    u.commit({ topicEpochs: [topicEpoch('other', 0, 9)], txs: [tx] })
    u.commit({ topicEpochs: [topicEpoch('unit', 3, 4)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 4, 5), topicEpoch('unit', 5, 6)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 6, null)] })
    const index = new ChainIndex(u.node, { chunk: 2 })
    index.start()
    // The first chunk (heights 5 and 4) is indexed at once; the rest in later turns.
    expect(index.complete).toBe(false)
    expect(index.heightOfEpoch('unit', 5)).toBe(4)
    expect(index.heightOfEpoch('unit', 0)).toBeUndefined()
    expect(index.latestInference('unit')).toEqual({ epoch: 5, height: 4 })
    await index.backfilled
    expect(index.complete).toBe(true)
    const heights = [0, 1, 2, 3, 4, 5, 6].map((e) => index.heightOfEpoch('unit', e))
    expect(heights).toEqual([1, 1, 1, 3, 4, 4, 5])
    expect(index.heightOfEpoch('unit', 7)).toBeUndefined()
    expect(index.heightOfEpoch('other', 0)).toBe(2)
    expect(index.heightOfEpoch('nope', 0)).toBeUndefined()
    expect(index.heightOfTx(toHex(messageId(tx)))).toBe(2)
    expect(index.latestInference('other')).toEqual({ epoch: 0, height: 2 })

    // Live blocks.
    u.commit({ topicEpochs: [topicEpoch('unit', 7, null), topicEpoch('unit', 8, 8.5)] })
    u.commit({ topicEpochs: [topicEpoch('unit', 9, 10)] })
    expect([7, 8, 9].map((e) => index.heightOfEpoch('unit', e))).toEqual([6, 6, 7])
    expect(index.heightOfEpoch('unit', 3)).toBe(3)
    expect(index.latestInference('unit')).toEqual({ epoch: 9, height: 7 })
    index.close()
    u.commit({ topicEpochs: [topicEpoch('unit', 10, 11)] })
    expect(index.heightOfEpoch('unit', 10)).toBeUndefined()
  })

  it('stops, saying why, when the store lacks a block', async () => {
    const u = await unitChain()
    u.commit({})
    u.commit({})
    const index = new ChainIndex({ ...u.node, block: (h) => (h === 1 ? undefined : u.node.block(h)) }, { chunk: 1 })
    index.start()
    await index.backfilled
    expect(index.complete).toBe(false)
    expect(index.failed).toMatch(/no block 1/)
  })
})

describe('JSON values', () => {
  it('writes amounts, bytes, id tables and non-finite numbers', () => {
    const id = 'ab'.repeat(32)
    expect(
      jsonOf({
        b: 12n ** 30n,
        a: Uint8Array.of(0, 255),
        t: { rows: [id], cols: ['x', 'y'], values: Float64Array.of(Number.NaN, 2) },
        n: [Number.NaN, Number.POSITIVE_INFINITY, -1.5],
        m: new Map([['k', 1n]]),
      }),
    ).toEqual({ a: 'AP8=', b: (12n ** 30n).toString(), m: { k: '1' }, n: [null, null, -1.5], t: { [id]: { y: 2 } } })
    // Any id is an own key, even __proto__.
    const proto = jsonOf(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>
    expect(Object.keys(proto)).toEqual(['__proto__'])
  })

  it('reads strict base64 only', () => {
    expect(fromBase64(toBase64(Uint8Array.of(1, 2, 3, 4)))).toEqual(Uint8Array.of(1, 2, 3, 4))
    expect(fromBase64('')).toEqual(new Uint8Array(0))
    for (const bad of ['AQ', 'AQ=', 'A===', 'AQID BA==', '-_8=', 'AQID\n']) expect(fromBase64(bad), bad).toBeUndefined()
  })
})
