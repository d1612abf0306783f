/**
 * What `chorus cluster` prints of the network's results: a line per decided epoch, with the
 * gain so far once the warm-up is over, and the notes of its summary line.
 */
import { naiveInferenceOf, type EpochDecision } from '../roles/decisions.js'
import type { Summary } from '../roles/summary.js'

/** The gain so far in an epoch's JSON line; null during the warm-up. */
export function soFarJson(s: Summary | undefined, modelOf: { get(id: string): string | undefined }): object | null {
  if (s === undefined || s.counted === 0) return null
  return {
    counted: s.counted,
    networkLoss: s.networkLoss,
    naiveLoss: s.naiveLoss,
    bestWorkerLoss: s.bestWorkerLoss,
    bestWorkerNetworkLoss: s.bestWorkerNetworkLoss,
    bestWorker: s.bestWorker === null ? null : (modelOf.get(s.bestWorker) ?? s.bestWorker),
  }
}

/** How the network's mean loss compares with another's: "4.8% below naive". */
function relativeTo(network: number, other: number | null, name: string): string {
  if (other === null || !Number.isFinite(other) || !(other > 0) || !Number.isFinite(network)) return ''
  const change = (100 * (network - other)) / other
  return `${Math.abs(change).toFixed(1)}% ${change <= 0 ? 'below' : 'above'} ${name}`
}

/**
 * The gain so far, after the warm-up: the mean losses of the network, the naive inference and
 * the best worker (over the epochs it answered), and how the network compares with each.
 */
export function gainSoFar(s: Summary): string {
  if (s.counted === 0) return ''
  const f = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toPrecision(4))
  return `  mean loss over ${s.counted}: network ${f(s.networkLoss)} naive ${f(s.naiveLoss)} best worker ${f(s.bestWorkerLoss)}${networkComparison(s)}`
}

/** " (network 4.8% below naive, 11.7% above best worker)", or nothing before any counted epoch. */
export function networkComparison(s: Summary): string {
  const vs = [
    relativeTo(s.networkLoss, s.naiveLoss, 'naive'),
    relativeTo(s.bestWorkerNetworkLoss ?? s.networkLoss, s.bestWorkerLoss, 'best worker'),
  ].filter((x) => x !== '')
  return vs.length > 0 ? ` (network ${vs.join(', ')})` : ''
}

export function epochLine(
  d: EpochDecision,
  truth: number | undefined,
  modelOf: { get(id: string): string | undefined },
  soFar: Summary | undefined,
): string {
  const w = d.output.weights.inferers
  // Each inferer's share of the inferers' weight: the raw §5 weights all shrink when every
  // regret is low, so the shares are what shows the weights moving.
  let total = 0
  for (const id of Object.keys(w)) total += w[id]
  const top = Object.keys(w)
    .sort((a, b) => w[b] - w[a])
    .slice(0, 3)
    .map((id) => `${modelOf.get(id) ?? id.slice(0, 8)} ${(total > 0 ? w[id] / total : 0).toFixed(2)}`)
    .join(', ')
  const f = (x: number | null | undefined): string => (x === undefined || x === null ? 'n/a' : x.toPrecision(6))
  return `epoch ${String(d.epoch).padStart(4)}  ${d.topicId}  network ${f(d.output.networkInference)}  naive ${f(naiveInferenceOf(d))}  truth ${f(truth)}  inferers ${Object.keys(d.inferences).length}${top ? `  highest weights (model share): ${top}` : ''}${soFar === undefined ? '' : gainSoFar(soFar)}\n`
}

/** How the best worker compares when it did not answer every counted epoch: over its own epochs. */
export function bestWorkerCoverageNote(s: Summary): string {
  if (s.bestWorkerCoverage === null || s.bestWorkerCoverage === 1 || s.bestWorkerNetworkLoss === null) return ''
  return `; answered ${Math.round(100 * s.bestWorkerCoverage)}% of the epochs, the network's loss on those ${s.bestWorkerNetworkLoss.toPrecision(5)}`
}
