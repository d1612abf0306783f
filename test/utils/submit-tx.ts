/** Sign transactions with a key and gossip them through a cluster member, nonces counted per key. */
import type { ClusterMember, LocalCluster } from '../../src/cluster/local-cluster.js'
import type { TxKind } from '../../src/consensus/ledger/index.js'
import { apiNodeOf } from '../../src/node/api-node.js'
import type { NodeIdentity } from '../../src/p2p/index.js'
import { encodeEnvelope, signEnvelope, toHex, type UnsignedEnvelope } from '../../src/wire/index.js'

/** `cluster` is read at each call, so the submitter can be made before the cluster starts. */
export function txSubmitter(cluster: () => LocalCluster) {
  const nonces = new Map<string, number>()
  /** `via` gossips it (a committee member also pools its own, as the API does). */
  return async (
    who: NodeIdentity,
    via: ClusterMember,
    kind: TxKind,
    body: Record<string, string | number | boolean>,
  ): Promise<void> => {
    const id = toHex(who.publicKey)
    const accountNonce = nonces.get(id) ?? 0
    nonces.set(id, accountNonce + 1)
    const unsigned: UnsignedEnvelope<'tx'> = {
      type: 'tx',
      chainId: cluster().genesis.chainId,
      topicId: '',
      epoch: 0,
      nonce: new Uint8Array(0),
      payload: { kind, accountNonce, body },
    }
    await apiNodeOf(via.node, cluster().genesis).publishTx(
      encodeEnvelope(signEnvelope(unsigned, who.secretKey, who.publicKey)),
    )
  }
}
