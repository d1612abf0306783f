/**
 * Regret updates once the network loss bundle of an epoch is known (allora-math §4.2;
 * epoch-json §4.2 "regrets", §6.7).
 *
 * Every family is R_new = EMA(α_R, instantaneous, R_prev) with firstTime = false; a pair never
 * stored before starts from the previous `initial_regret`. Regrets of workers absent from this
 * epoch are kept as they were. At 1000 inferers the one-out-inferer family alone holds a
 * million pairs, so this is a hot path: stored values are validated as they are read, and
 * records are written directly in ascending id order.
 */
import { SynthesisError } from './errors.js'
import { emptyRecord, mergeSorted, own, ownNumber } from './id-map.js'
import { ema } from './stats.js'
import type { IdMap, LossBundle, RegretSet, Regrets } from './types.js'

const EMPTY: IdMap = Object.freeze({})
const EMPTY_SET: RegretSet = Object.freeze({ inferers: EMPTY, forecasters: EMPTY })

function stored(value: number, path: string, id: string): number {
  if (!Number.isFinite(value)) throw new SynthesisError('NON_FINITE', `state.regrets.${path}.${id} is not finite (${value})`)
  return value
}

/** A stored record kept as it was: checked, and rewritten in ascending id order. */
function validated(map: IdMap, path: string): IdMap {
  const out = emptyRecord<number>()
  for (const id of Object.keys(map).sort()) {
    const v: unknown = map[id]
    if (typeof v !== 'number') throw new SynthesisError('INVALID_INPUT', `state.regrets.${path}.${id} must be a number`)
    out[id] = stored(v, path, id)
  }
  return out
}

function validatedSet(set: RegretSet, path: string): RegretSet {
  return { inferers: validated(set.inferers, `${path}.inferers`), forecasters: validated(set.forecasters, `${path}.forecasters`) }
}

class RegretUpdater {
  constructor(
    private readonly alpha: number,
    private readonly initialRegret: number,
  ) {}

  /**
   * `previous` with EMA(α, reference − losses[i], previous or initial regret) for every
   * `ids[i]` (ascending). When `previous` holds no other id (the usual case) the record is
   * written in one pass.
   */
  update(previous: IdMap, ids: readonly string[], reference: number, losses: ArrayLike<number>, path: string): IdMap {
    const out = emptyRecord<number>()
    let found = 0
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      const prev = ownNumber(previous, id)
      let base = this.initialRegret
      if (prev !== undefined) {
        base = stored(prev, path, id)
        found++
      }
      out[id] = ema(this.alpha, reference - losses[i], base, false)
    }
    const previousIds = Object.keys(previous)
    if (previousIds.length === found) return out
    const extra = previousIds.filter((id) => !Object.hasOwn(out, id)).sort()
    const merged = emptyRecord<number>()
    for (const id of mergeSorted(ids, extra)) {
      if (Object.hasOwn(out, id)) {
        merged[id] = out[id]
      } else {
        const v: unknown = previous[id]
        if (typeof v !== 'number') throw new SynthesisError('INVALID_INPUT', `state.regrets.${path}.${id} must be a number`)
        merged[id] = stored(v, path, id)
      }
    }
    return merged
  }
}

/** A family keyed by withheld/added worker: previous records kept (validated), updated ones replaced. */
function mergeFamily(previous: IdMap<RegretSet>, updated: Map<string, RegretSet>, path: string): IdMap<RegretSet> {
  const extra = Object.keys(previous)
    .filter((id) => !updated.has(id))
    .sort()
  const out = emptyRecord<RegretSet>()
  for (const id of mergeSorted([...updated.keys()], extra)) {
    out[id] = updated.get(id) ?? validatedSet(previous[id], `${path}.${id}`)
  }
  return out
}

function vectorOf(map: IdMap, ids: readonly string[]): Float64Array {
  const out = new Float64Array(ids.length)
  for (let i = 0; i < ids.length; i++) out[i] = map[ids[i]]
  return out
}

/**
 * §4.2: every regret family updated with the consensus losses `L` of this epoch.
 * `initialRegret` is the value before this epoch's §4.3 update.
 */
export function updateRegrets(alpha: number, initialRegret: number, previous: Regrets, L: LossBundle): Regrets {
  const u = new RegretUpdater(alpha, initialRegret)
  const inferers = Object.keys(L.inferers).sort()
  const forecasters = Object.keys(L.forecasters).sort()
  const infLoss = vectorOf(L.inferers, inferers)
  const fcLoss = vectorOf(L.forecasters, forecasters)

  // Network: L_i − L_ij and L_i − L_ik.
  const network: RegretSet = {
    inferers: u.update(previous.network.inferers, inferers, L.network, infLoss, 'network.inferers'),
    forecasters: u.update(previous.network.forecasters, forecasters, L.network, fcLoss, 'network.forecasters'),
  }
  // Naive: L⁻_i − L_ij; the naive network has no forecasters.
  const naive: RegretSet = {
    inferers: u.update(previous.naive.inferers, inferers, L.naive, infLoss, 'naive.inferers'),
    forecasters: validated(previous.naive.forecasters, 'naive.forecasters'),
  }

  // One-out inferer l: L⁻_li − L_ij for every inferer j (j = l included), and
  // L⁻_li − L⁻_lik for every forecaster k whose forecast was recomputed without l.
  const oneOutInferer = new Map<string, RegretSet>()
  const recomputed = Object.keys(L.oneOutInfererForecasters).sort()
  for (const l of Object.keys(L.oneOutInferers).sort()) {
    const ref = L.oneOutInferers[l]
    const prev = own(previous.oneOutInferer, l) ?? EMPTY_SET
    const ks: string[] = []
    const withoutL: number[] = []
    for (const k of recomputed) {
      const v = ownNumber(L.oneOutInfererForecasters[k], l)
      if (v === undefined) continue
      ks.push(k)
      withoutL.push(v)
    }
    const path = `one_out_inferer.${l}`
    oneOutInferer.set(l, {
      inferers: u.update(prev.inferers, inferers, ref, infLoss, `${path}.inferers`),
      forecasters: u.update(prev.forecasters, ks, ref, withoutL, `${path}.forecasters`),
    })
  }

  // One-out forecaster k': L⁻_k'i − L_ij and L⁻_k'i − L_ik (k = k' included).
  const oneOutForecaster = new Map<string, RegretSet>()
  for (const k of Object.keys(L.oneOutForecasters).sort()) {
    const ref = L.oneOutForecasters[k]
    const prev = own(previous.oneOutForecaster, k) ?? EMPTY_SET
    const path = `one_out_forecaster.${k}`
    oneOutForecaster.set(k, {
      inferers: u.update(prev.inferers, inferers, ref, infLoss, `${path}.inferers`),
      forecasters: u.update(prev.forecasters, forecasters, ref, fcLoss, `${path}.forecasters`),
    })
  }

  // One-in forecaster k: L⁺_ki − L_ij, and the self regret L⁺_ki − L_ik (needs L_ik).
  const oneInForecaster = new Map<string, RegretSet>()
  for (const k of Object.keys(L.oneInForecasters).sort()) {
    const ref = L.oneInForecasters[k]
    const prev = own(previous.oneInForecaster, k) ?? EMPTY_SET
    const self = ownNumber(L.forecasters, k)
    const path = `one_in_forecaster.${k}`
    oneInForecaster.set(k, {
      inferers: u.update(prev.inferers, inferers, ref, infLoss, `${path}.inferers`),
      forecasters:
        self === undefined ? validated(prev.forecasters, `${path}.forecasters`) : u.update(prev.forecasters, [k], ref, [self], `${path}.forecasters`),
    })
  }

  return {
    network,
    naive,
    oneOutInferer: mergeFamily(previous.oneOutInferer, oneOutInferer, 'one_out_inferer'),
    oneOutForecaster: mergeFamily(previous.oneOutForecaster, oneOutForecaster, 'one_out_forecaster'),
    oneInForecaster: mergeFamily(previous.oneInForecaster, oneInForecaster, 'one_in_forecaster'),
  }
}
