import { describe, expect, it } from 'vitest'
import { Committee } from '../../../src/consensus/bft/index.js'
import { committeePeers } from '../../../src/consensus/committee-peers.js'
import { generateIdentity, peerIdOfParticipant } from '../../../src/p2p/index.js'
import { toHex } from '../../../src/wire/index.js'

describe('committeePeers', () => {
  it('names the libp2p peers of the current committee, and follows a new committee', async () => {
    const [a, b, c] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const [ida, idb, idc] = [a, b, c].map((i) => toHex(i.publicKey))
    let committee = new Committee({ [ida]: 1, [idb]: 1 })
    const isMember = committeePeers(() => committee)
    expect([ida, idb, idc].map((id) => isMember(peerIdOfParticipant(id)))).toEqual([true, true, false])
    committee = new Committee({ [idc]: 1 })
    expect([ida, idb, idc].map((id) => isMember(peerIdOfParticipant(id)))).toEqual([false, false, true])
  })
})
