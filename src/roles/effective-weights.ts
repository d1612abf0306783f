/**
 * How much each inferer's own inference counts in the network inference once the
 * forecast-implied inferences are expanded: I = (Σ_j w_j I_j + Σ_k w_k I_k) / Σw with
 * I_k = Σ_j v_kj I_j / Σ_j v_kj, so inferer j's share is (w_j + Σ_k w_k v_kj / Σv_k) / Σw.
 * The v_kj are recomputed from the forecasted regrets by §5, exactly as synthesis does. An
 * analysis aid (the simulator reports it, tests measure regime adaptation with it); not
 * consensus-relevant.
 */
import type { IdMap, SynthesisOutput, SynthesisParams } from '../synthesis/types.js'
import { weightKernel, weightsOfRegrets } from '../synthesis/weights.js'

/**
 * Shares summing to 1, or {} when the epoch has no weights (first epoch, single inference).
 * In the new-topic mode (plain means) every inferer gets an equal share.
 */
export function effectiveWeights(params: SynthesisParams, inferences: IdMap, output: SynthesisOutput): IdMap {
  const ids = Object.keys(inferences).sort()
  const { inferers, forecasters } = output.weights
  const weighted = Object.keys(inferers).length > 0
  if (!weighted) {
    // New-topic mode reports one-out values but no weights; the first two modes report neither.
    if (ids.length < 2 || Object.keys(output.oneOutInfererInferences).length === 0) return {}
    return Object.fromEntries(ids.map((id) => [id, 1 / ids.length]))
  }
  const share = new Map<string, number>(ids.map((id) => [id, inferers[id] ?? 0]))
  const kernel = weightKernel(params.pNorm, params.cNorm, params.epsilon)
  for (const k of Object.keys(forecasters).sort()) {
    const wk = forecasters[k]
    if (wk === 0) continue
    const regrets = output.forecastedRegrets[k] ?? {}
    const covered = Object.keys(regrets)
      .filter((j) => share.has(j))
      .sort()
    if (covered.length === 0) continue
    const v = new Float64Array(covered.length)
    if (covered.length === 1) v[0] = 1
    else weightsOfRegrets(kernel, Float64Array.from(covered.map((j) => regrets[j])), covered.length, v, undefined)
    let sv = 0
    for (const x of v) sv += x
    if (sv === 0) continue
    covered.forEach((j, i) => share.set(j, (share.get(j) as number) + (wk * v[i]) / sv))
  }
  let total = 0
  for (const x of share.values()) total += x
  const out: Record<string, number> = {}
  for (const id of ids) out[id] = total > 0 ? (share.get(id) as number) / total : 0
  return out
}
