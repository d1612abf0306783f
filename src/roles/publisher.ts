/**
 * What a worker or reputer needs of its node: who it is, and a way to sign and publish. The
 * composition hands it the node itself, or (for a Byzantine node) a wrapper of the node
 * (src/adversary), so the roles carry no fault branches.
 */
import type { ChorusNode } from '../p2p/index.js'

export type RolePublisher = Pick<ChorusNode, 'chainId' | 'participantId' | 'publish'>
