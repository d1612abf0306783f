/**
 * Small helpers the built-in models share: reading the known truth out of a context and
 * fitting least squares. Everything is a plain function of the context, so a model gives the
 * same answer after a restart as before it.
 */
import type { ModelContext } from '../plugins.js'
import { ModelError } from './errors.js'

/** The known truth values, oldest first; throws NO_DATA with fewer than `min`. */
export function truthValues(context: ModelContext, min = 1): number[] {
  if (context.truth.length < min) {
    throw new ModelError(
      'NO_DATA',
      `epoch ${context.epoch}: needs ${min} known truth value(s), has ${context.truth.length}`,
    )
  }
  return context.truth.map((p) => p.value)
}

/** Epochs from the newest known truth to the epoch being answered (≥ 1). */
export function stepsAhead(context: ModelContext): number {
  const last = context.truth[context.truth.length - 1]
  return last === undefined ? 1 : Math.max(1, context.epoch - last.epoch)
}

export function meanOf(values: readonly number[], from = 0, to = values.length): number {
  let s = 0
  for (let i = from; i < to; i++) s += values[i]
  return s / (to - from)
}

/**
 * Solve (A + ridge·I') x = b for a small symmetric system by Gaussian elimination with
 * partial pivoting; `ridge` is added to every diagonal entry but the first (the intercept).
 * Returns undefined when the system is singular.
 */
export function solve(A: number[][], b: number[], ridge: number): number[] | undefined {
  const n = b.length
  const M = A.map((row, i) => [...row.map((v, j) => v + (i === j && i > 0 ? ridge : 0)), b[i]])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[pivot][col])) pivot = r
    if (Math.abs(M[pivot][col]) < 1e-300) return undefined
    ;[M[col], M[pivot]] = [M[pivot], M[col]]
    for (let r = col + 1; r < n; r++) {
      const f = M[r][col] / M[col][col]
      if (f === 0) continue
      for (let c = col; c <= n; c++) M[r][c] -= f * M[col][c]
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n]
    for (let c = r + 1; c < n; c++) s -= M[r][c] * x[c]
    x[r] = s / M[r][r]
  }
  return x.every(Number.isFinite) ? x : undefined
}

/**
 * Least squares of y on the rows of X (each row already holds its leading 1), each row
 * weighted by `weights[r]` when given (weighted least squares).
 */
export function leastSquares(
  X: readonly number[][],
  y: readonly number[],
  ridge: number,
  weights?: readonly number[],
): number[] | undefined {
  const k = X[0].length
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  const b = new Array<number>(k).fill(0)
  for (let r = 0; r < X.length; r++) {
    const row = X[r]
    const w = weights === undefined ? 1 : weights[r]
    for (let i = 0; i < k; i++) {
      b[i] += w * row[i] * y[r]
      for (let j = 0; j < k; j++) A[i][j] += w * row[i] * row[j]
    }
  }
  return solve(A, b, ridge)
}
