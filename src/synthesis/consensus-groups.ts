/**
 * The precomputed side of the reputer distances (reputer-distance.ts): the loss matrix's
 * coordinates grouped by which reputers reported them, each group either centred with its
 * Gram matrix (many coordinates) or kept as plain values (few coordinates).
 *
 * Centring: the coordinates every reputer reported are centred on one reputer's row, the one
 * nearest the raw-stake mean, so that reputers agreeing with the stake majority become exact
 * zeros and their distances cannot cancel; partial groups (copied, small) are centred on the
 * coordinate-wise lower median.
 */
import type { LossMatrix } from './consensus-losses.js'
import { KernelArena } from './kernels/kernels.js'

export interface GramGroup {
  readonly kind: 'gram'
  /** Row indices of the reporting reputers, ascending. */
  readonly members: Int32Array
  /** Centred vectors: one per member, then the padded value if some reputer is missing. */
  readonly vectors: Float64Array[]
  /** K×K, K = vectors.length. */
  readonly gram: Float64Array
  readonly norms: Float64Array
  /** ⟨z, ṽ_i⟩ per vector, and ‖z‖². */
  readonly centreDots: Float64Array
  readonly centreNorm2: number
  readonly count: number
}

export interface DirectGroup {
  readonly kind: 'direct'
  readonly members: Int32Array
  /** Position of each reputer row in `members`, or −1. */
  readonly positions: Int32Array
  /** Coordinate-major: values[t·k + i] is member i's value at the group's coordinate t. */
  readonly values: Float64Array
  /** Padded value per coordinate (lowest reported value). */
  readonly padded: Float64Array
  readonly count: number
}

export type Group = GramGroup | DirectGroup

/**
 * Where partial groups' copies live, kept between settlements (a settle step's groups are
 * used only within it, so the next step may take the arena over).
 */
let copiesArena: KernelArena | undefined

/** A group's coordinates, ascending. */
type Coordinates = ArrayLike<number>

/** 0, 1, …, n − 1 (the full group's coordinates; ~10^5 at the benchmark size). */
function allCoordinates(n: number): Coordinates {
  const out = new Int32Array(n)
  for (let j = 0; j < n; j++) out[j] = j
  return out
}

/** Groups the matrix's coordinates by the set of reputers that reported them. */
function groupCoordinates(matrix: LossMatrix): { members: Int32Array; coords: Coordinates }[] {
  const r = matrix.reputers.length
  const n = matrix.layout.size
  const { values } = matrix
  const all = new Int32Array(r)
  for (let m = 0; m < r; m++) all[m] = m
  // The usual case, every reputer reported everything: no scan.
  if (matrix.missing === 0) return [{ members: all, coords: allCoordinates(n) }]
  const full: number[] = []
  const partial = new Map<string, { members: Int32Array; coords: number[] }>()
  const present: number[] = []
  for (let j = 0; j < n; j++) {
    present.length = 0
    for (let m = 0; m < r; m++) if (values[m * n + j] === values[m * n + j]) present.push(m)
    if (present.length === r) {
      full.push(j)
      continue
    }
    // Every coordinate of a layout was reported by someone, except network/naive when a
    // reputer left them out; those have at least one reporter too (checked by the caller).
    const key = present.join(',')
    let g = partial.get(key)
    if (g === undefined) partial.set(key, (g = { members: Int32Array.from(present), coords: [] }))
    g.coords.push(j)
  }
  const groups: { members: Int32Array; coords: Coordinates }[] = []
  if (full.length > 0) groups.push({ members: all, coords: full })
  for (const g of partial.values()) groups.push(g)
  return groups
}

/** The `rank`-th smallest of a[0..k) (a is reordered): Hoare quickselect, median-of-three pivot. */
export function select(a: Float64Array, k: number, rank: number): number {
  let lo = 0
  let hi = k - 1
  while (hi > lo) {
    const mid = (lo + hi) >> 1
    const x = a[lo]
    const y = a[mid]
    const z = a[hi]
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i] < pivot) i++
      while (a[j] > pivot) j--
      if (i <= j) {
        const t = a[i]
        a[i] = a[j]
        a[j] = t
        i++
        j--
      }
    }
    if (rank <= j) hi = j
    else if (rank >= i) lo = i
    else return a[rank]
  }
  return a[rank]
}

/** Coordinate-wise lower median z and lowest value of a column of `k` members. */
function centreOf(
  values: Float64Array,
  n: number,
  members: Int32Array,
  j: number,
  scratch: Float64Array,
): [number, number] {
  const k = members.length
  let lowest = Number.POSITIVE_INFINITY
  for (let i = 0; i < k; i++) {
    const v = values[members[i] * n + j]
    scratch[i] = v
    if (v < lowest) lowest = v
  }
  return [select(scratch, k, (k - 1) >> 1), lowest]
}

/** Arena doubles of a partial group's copies (members, the padded vector, the centre) and their Gram scratch. */
function copiedDoubles(k: number, count: number): number {
  return (k + 2) * count + KernelArena.gramDoubles(k + 2)
}

/** Centred copies of a partial group's coordinates in `arena`: one vector per member, then the padded one. */
function copiedVectors(
  matrix: LossMatrix,
  members: Int32Array,
  coords: Coordinates,
  arena: KernelArena,
): { vectors: Float64Array[]; centre: Float64Array } {
  const n = matrix.layout.size
  const { values } = matrix
  const k = members.length
  const count = coords.length
  const vectors: Float64Array[] = []
  for (let i = 0; i <= k; i++) vectors.push(arena.f64(count))
  const centre = arena.f64(count)
  const scratch = new Float64Array(k)
  for (let t = 0; t < count; t++) {
    const j = coords[t]
    const [z, lowest] = centreOf(values, n, members, j, scratch)
    centre[t] = z
    for (let i = 0; i < k; i++) vectors[i][t] = values[members[i] * n + j] - z
    vectors[k][t] = lowest - z
  }
  return { vectors, centre }
}

/**
 * The row nearest (squared distance, full coordinates) to the raw-stake mean of the rows:
 * a reputer that agrees with the stake majority, so that centring on it turns the reputers
 * that agree with it into exact zeros. Ties go to the lowest row.
 */
function centralRow(matrix: LossMatrix, coords: Coordinates): number {
  const r = matrix.reputers.length
  const n = matrix.layout.size
  const { values, stakes } = matrix
  const count = coords.length
  let distanceOf: (m: number) => number
  if (count === n) {
    // All coordinates, so no value is missing and the mean is the §3.1 consensus: the
    // consensus kernel gave each row's distance to it (lossMatrix).
    const distances = matrix.rowDistances
    distanceOf = (m) => distances[m]
  } else {
    const rowOf = (m: number): Float64Array => {
      const out = new Float64Array(count)
      for (let t = 0; t < count; t++) out[t] = values[m * n + coords[t]]
      return out
    }
    const mean = stakeMean(r, stakes, rowOf, count)
    distanceOf = (m) => {
      const row = rowOf(m)
      let d = 0
      for (let t = 0; t < count; t++) {
        const x = row[t] - mean[t]
        d += x * x
      }
      return d
    }
  }
  let best = 0
  let bestDistance = Number.POSITIVE_INFINITY
  for (let m = 0; m < r; m++) {
    const d = distanceOf(m)
    if (d < bestDistance) {
      bestDistance = d
      best = m
    }
  }
  return best
}

/** Σ_m S_m row_m / Σ_m S_m, rows in ascending order. */
function stakeMean(r: number, stakes: Float64Array, rowOf: (m: number) => Float64Array, count: number): Float64Array {
  const mean = new Float64Array(count)
  let total = 0
  for (let m = 0; m < r; m++) {
    const w = stakes[m]
    const row = rowOf(m)
    total += w
    for (let t = 0; t < count; t++) mean[t] += w * row[t]
  }
  for (let t = 0; t < count; t++) mean[t] /= total
  return mean
}

/**
 * The coordinates every reputer reported, centred in place on the central row: row m keeps
 * its centred values for `coords` at the front. The matrix is large (R × 10^5 at the
 * benchmark size), so no copy; a coordinate's old column is read before anything overwrites
 * it, since coords[t] ≥ t and each row is rewritten in ascending order. When `coords` are
 * all the coordinates nothing moves, and `centred: false` leaves the subtraction to the Gram
 * kernel, which centres each block just before it reads it (one pass over the matrix less).
 */
function centredInPlace(
  matrix: LossMatrix,
  coords: Coordinates,
): { vectors: Float64Array[]; centre: Float64Array; centred: boolean } {
  const r = matrix.reputers.length
  const n = matrix.layout.size
  const { values } = matrix
  const count = coords.length
  const central = centralRow(matrix, coords)
  const centre = matrix.slots.centre.subarray(0, count)
  const dense = count === n
  if (dense) centre.set(values.subarray(central * n, central * n + n))
  else for (let t = 0; t < count; t++) centre[t] = values[central * n + coords[t]]
  const vectors: Float64Array[] = []
  for (let m = 0; m < r; m++) {
    const base = m * n
    if (!dense) for (let t = 0; t < count; t++) values[base + t] = values[base + coords[t]] - centre[t]
    vectors.push(values.subarray(base, base + count))
  }
  return { vectors, centre, centred: !dense }
}

/**
 * The Gram group of `vectors` centred on `centre` (all in `arena`, with the Gram scratch of
 * vectors + 1 rows left in its reservation). With `centreInBlocks` they are not centred yet:
 * the kernel centres them in place as it goes, leaving every vector centred as if done first.
 */
function gramGroup(
  members: Int32Array,
  vectors: Float64Array[],
  centre: Float64Array,
  arena: KernelArena,
  centreInBlocks: boolean,
): GramGroup {
  const K = vectors.length
  // The centre as a last row: its products with the vectors are ⟨z, ṽ_i⟩, with itself ‖z‖².
  const full = arena.gram([...vectors, centre], centreInBlocks ? K : 0)
  const gram = new Float64Array(K * K)
  const centreDots = new Float64Array(K)
  const norms = new Float64Array(K)
  for (let a = 0; a < K; a++) {
    gram.set(full.subarray(a * (K + 1), a * (K + 1) + K), a * K)
    centreDots[a] = full[a * (K + 1) + K]
    norms[a] = Math.sqrt(gram[a * K + a])
  }
  return {
    kind: 'gram',
    members,
    vectors,
    gram,
    norms,
    centreDots,
    centreNorm2: full[K * (K + 1) + K],
    count: centre.length,
  }
}

function buildDirectGroup(matrix: LossMatrix, members: Int32Array, coords: Coordinates): DirectGroup {
  const r = matrix.reputers.length
  const n = matrix.layout.size
  const k = members.length
  const count = coords.length
  const positions = new Int32Array(r).fill(-1)
  for (let i = 0; i < k; i++) positions[members[i]] = i
  const values = new Float64Array(count * k)
  const padded = new Float64Array(count)
  for (let t = 0; t < count; t++) {
    let lowest = Number.POSITIVE_INFINITY
    for (let i = 0; i < k; i++) {
      const v = matrix.values[members[i] * n + coords[t]]
      values[t * k + i] = v
      if (v < lowest) lowest = v
    }
    padded[t] = lowest
  }
  return { kind: 'direct', members, positions, values, padded, count }
}

/**
 * Every group of `matrix`, the full one first. Takes over `matrix.values`: the coordinates
 * every reputer reported are centred in place (so compute the §3.1 consensus first).
 * `longest` is the largest Gram group, for scratch space.
 */
export function buildGroups(matrix: LossMatrix): { groups: Group[]; longest: number } {
  const r = matrix.reputers.length
  const groups: Group[] = []
  let longest = 0
  let full: { members: Int32Array; coords: Coordinates } | undefined
  const all = groupCoordinates(matrix)
  const isGram = (g: { members: Int32Array; coords: Coordinates }): boolean =>
    g.coords.length > g.members.length + (g.members.length < r ? 1 : 0)
  // Copies of partial groups go to an arena of their own, sized exactly (the matrix's
  // reservation covers only the full group).
  let copyDoubles = 0
  for (const g of all)
    if (isGram(g) && g.members.length < r) copyDoubles += copiedDoubles(g.members.length, g.coords.length)
  const copies = copyDoubles > 0 ? (copiesArena ??= new KernelArena()) : undefined
  copies?.begin(copyDoubles)
  for (const g of all) {
    if (!isGram(g)) {
      groups.push(buildDirectGroup(matrix, g.members, g.coords))
    } else if (g.members.length === r) {
      full = g
    } else {
      if (copies === undefined) throw new Error('buildGroups: a partial Gram group without its arena')
      const { vectors, centre } = copiedVectors(matrix, g.members, g.coords, copies)
      groups.push(gramGroup(g.members, vectors, centre, copies, false))
      if (g.coords.length > longest) longest = g.coords.length
    }
  }
  // Last, because centring in place overwrites the columns the other groups read.
  if (full !== undefined) {
    const { vectors, centre, centred } = centredInPlace(matrix, full.coords)
    groups.unshift(gramGroup(full.members, vectors, centre, matrix.arena, !centred))
    if (full.coords.length > longest) longest = full.coords.length
  }
  return { groups, longest }
}
