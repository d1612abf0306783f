import { describe, expect, it } from 'vitest'
import { isValidEvidence, makeEvidence, verifyCertificate, evidenceKey } from '../../../../src/consensus/bft/index.js'
import { committeeOf, hashOf, vote } from './helpers.js'

const A = hashOf('A')
const B = hashOf('B')
const c = committeeOf(5, 3, 2, 2, 1) // total 13, quorum 9

describe('verifyCertificate', () => {
  const pc = (voter: string, hash = A, round = 2) => vote(voter, round, 'precommit', hash)

  it('accepts precommits of one round for the hash from distinct members above 2/3', () => {
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b'), pc('0e')])).toBe(true)
  })

  it('rejects too little power, duplicates, non-members, other values, steps, rounds and heights', () => {
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b')])).toBe(false)
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b'), pc('0b'), pc('0e')])).toBe(false)
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b'), pc('0e'), pc('ff')])).toBe(false)
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b'), pc('0e'), pc('0c', B)])).toBe(false)
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b'), vote('0e', 2, 'prevote', A)])).toBe(false)
    expect(verifyCertificate(c, 1, A, [pc('0a'), pc('0b'), pc('0e', A, 3)])).toBe(false)
    expect(verifyCertificate(c, 2, A, [pc('0a'), pc('0b'), pc('0e')])).toBe(false)
    expect(verifyCertificate(c, 1, B, [pc('0a'), pc('0b'), pc('0e')])).toBe(false)
    expect(verifyCertificate(c, 1, A, [])).toBe(false)
  })
})

describe('evidence', () => {
  it('is the same pair whichever vote came first', () => {
    const x = vote('0b', 1, 'prevote', B)
    const y = vote('0b', 1, 'prevote', null)
    const z = vote('0b', 1, 'prevote', A)
    expect(makeEvidence(x, y)).toEqual(makeEvidence(y, x))
    expect(makeEvidence(x, y).a.blockHash).toBeNull()
    expect(makeEvidence(x, z)).toEqual(makeEvidence(z, x))
    expect(evidenceKey(makeEvidence(x, z))).toBe('0b/1/1/prevote')
  })

  it('is valid only for two different votes of one member in one slot', () => {
    const a = vote('0b', 1, 'prevote', A)
    expect(isValidEvidence(c, makeEvidence(a, vote('0b', 1, 'prevote', B)))).toBe(true)
    expect(isValidEvidence(c, makeEvidence(a, vote('0b', 1, 'precommit', B)))).toBe(false)
    expect(isValidEvidence(c, makeEvidence(a, vote('0b', 2, 'prevote', B)))).toBe(false)
    expect(isValidEvidence(c, makeEvidence(a, vote('0c', 1, 'prevote', B)))).toBe(false)
    expect(isValidEvidence(c, { voter: '0b', a, b: a })).toBe(false)
    expect(isValidEvidence(c, makeEvidence(vote('ff', 1, 'prevote', A), vote('ff', 1, 'prevote', B)))).toBe(false)
    // Non-canonical order is refused, so one offence has one encoding.
    const e = makeEvidence(a, vote('0b', 1, 'prevote', B))
    expect(isValidEvidence(c, { voter: '0b', a: e.b, b: e.a })).toBe(false)
  })
})
