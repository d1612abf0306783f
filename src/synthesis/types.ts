/**
 * Types of one topic epoch as the synthesis engine sees it. They mirror
 * `docs/spec/epoch-json.md` field for field (camelCase here, snake_case in the JSON);
 * `§n` refers to `docs/spec/math.md`.
 *
 * Maps keyed by participant id are plain records. Their key order carries no meaning:
 * every function sorts ids ascending (code-unit order) before it sums, so results do not
 * depend on how a record was built.
 */

/** `{id: value}`; ids are non-empty ASCII strings. */
export type IdMap<T = number> = Readonly<Record<string, T>>

/** Parameters of synthesis and settlement (§15). Defaults live in `params.ts`. */
export interface SynthesisParams {
  /** p, topic PNorm (§5). */
  readonly pNorm: number
  /** c, CNorm (§5). */
  readonly cNorm: number
  /** ε, topic Epsilon: regret normalisation and score-spread threshold (§5, §12.1). */
  readonly epsilon: number
  /** α_R, regret EMA weight; 1/α_R is the experience threshold (§4.2, §4.3). */
  readonly alphaRegret: number
  /** ε_div: floor of combine denominators, replaces a zero consensus norm (§8, §11.2). */
  readonly epsilonSafeDiv: number
  /** PNormSafeDiv in the initial-regret offset (§4.3). */
  readonly pNormSafeDiv: number
  readonly initialRegretQuantile: number
  /** EMA weight of smoothed fractions and of the forecaster score ratio (§12.2, §13.1). */
  readonly taskRewardAlpha: number
  /** β, number-ratio exponent (§12.2). */
  readonly betaEntropy: number
  readonly pRewardInference: number
  readonly cRewardInference: number
  readonly pRewardForecast: number
  readonly cRewardForecast: number
  /** Exponent of (stake · score) in reputer fractions (§11.4). */
  readonly pRewardReputer: number
  /** η of the listening-coefficient descent (§11.3). */
  readonly learningRate: number
  /** Integer. */
  readonly gradientDescentMaxIters: number
  readonly maxGradientThreshold: number
  readonly minStakeFraction: number
  /** ε_rep of the reputer score (§11.2). */
  readonly epsilonReputer: number
  /** Integer: score entries in the spread sample (§12.1). */
  readonly maxSamplesToScaleScores: number
}

/**
 * Numbers by (row id, column id): rows and columns ascending and unique, `values` row-major
 * (`rows.length × cols.length`), NaN where an entry is absent. The engine's form of the
 * families that grow as inferers² (id-matrix.ts); JSON and the wire nest them as maps.
 */
export interface DepartedSide {
  /** Dense chunks of what left the table, oldest first (NaN: no value). */
  readonly chunks: readonly IdMatrix[]
  /** Ascending unions of the chunks' rows and columns. */
  readonly rows: readonly string[]
  readonly cols: readonly string[]
}

export interface IdMatrix {
  readonly rows: readonly string[]
  readonly cols: readonly string[]
  readonly values: Float64Array
}

/**
 * Regrets of the networks that withhold or add one worker, by that worker (the rows):
 * inferer regrets by inferer, forecaster regrets by forecaster. The rows and ids the last
 * settlement updated are dense tables (the same rows in both); whatever left the tables since
 * (the spec keeps the regrets of absent workers) is in `departed`, per side, in chunks that
 * never change (departed-regrets.ts), so workers that come and go cost an epoch what they
 * bring and take, not every id ever seen. An absent entry means "use `initialRegret`".
 */
export interface RegretFamily {
  readonly inferers: IdMatrix
  readonly forecasters: IdMatrix
  readonly departed: { readonly inferers: DepartedSide; readonly forecasters: DepartedSide }
}

/** Regrets one network uses; a missing id means "use `initialRegret`". */
export interface RegretSet {
  readonly inferers: IdMap
  readonly forecasters: IdMap
}

/** Stored regrets of every family (§4.2). */
export interface Regrets {
  readonly network: RegretSet
  /** `forecasters` is always empty. */
  readonly naive: RegretSet
  /** Row: withheld inferer l → regrets of the network without l. */
  readonly oneOutInferer: RegretFamily
  /** Row: withheld forecaster k' → regrets of the network without k'. */
  readonly oneOutForecaster: RegretFamily
  /** Row: forecaster k → regrets of the naive network plus k (self regret in column k). */
  readonly oneInForecaster: RegretFamily
}

export interface TaskMaps<T> {
  readonly inferers: T
  readonly forecasters: T
  readonly reputers: T
}

/** What a topic stores between epochs (epoch-json §2.4). */
export interface TopicState {
  /** Exactly 0 switches synthesis to new-topic mode (§8.6). */
  readonly initialRegret: number
  /** Combined consensus loss of the last settled epoch; null before the first. */
  readonly previousNetworkLoss: number | null
  readonly regrets: Regrets
  readonly infererInclusionCounts: IdMap
  readonly forecasterInclusionCounts: IdMap
  /** a_m per reputer (missing = 1). */
  readonly listeningCoefficients: IdMap
  readonly smoothedRewardFractions: TaskMaps<IdMap>
  /** Newest epoch first, ascending id within an epoch, at most maxSamplesToScaleScores. */
  readonly scoreHistory: { readonly inferers: readonly number[]; readonly forecasters: readonly number[] }
  /** τ of the previous epoch (0 if none). */
  readonly forecasterScoreRatio: number
}

/** The synthesize step's inputs besides params and state (epoch-json §3.1). */
export interface SynthesisInput {
  /** I_ij per inferer. */
  readonly inferences: IdMap
  /** forecaster k → inferer j → forecasted log10 loss L̂_ijk. */
  readonly forecasts: IdMap<IdMap>
}

export interface ConfidenceInterval {
  readonly percentiles: readonly number[]
  readonly values: readonly number[]
}

/** epoch-json §3.2. */
export interface SynthesisOutput {
  readonly networkInference: number
  readonly naiveInference: number
  readonly forecastedRegrets: IdMap<IdMap>
  readonly forecastImpliedInferences: IdMap
  readonly oneOutInfererInferences: IdMap
  readonly oneOutForecasterInferences: IdMap
  readonly oneInForecasterInferences: IdMap
  /** Row forecaster k, column withheld inferer l: I_ik without l (NaN: it vanished). */
  readonly oneOutInfererForecastImpliedInferences: IdMatrix
  readonly weights: { readonly inferers: IdMap; readonly forecasters: IdMap }
  readonly confidenceInterval: ConfidenceInterval
}

/** A reputer's (or the consensus) log10 losses of every value an epoch produced (§2). */
export interface LossBundle {
  readonly network: number
  readonly naive: number
  readonly inferers: IdMap
  readonly forecasters: IdMap
  readonly oneOutInferers: IdMap
  readonly oneOutForecasters: IdMap
  readonly oneInForecasters: IdMap
  /** Row forecaster k, column withheld inferer l: loss (NaN: not reported). */
  readonly oneOutInfererForecasters: IdMatrix
}

export interface ReputerReport {
  /** Raw stake S_m (> 0, smallest token unit). */
  readonly stake: number
  readonly losses: LossBundle
}

/** The settle step's inputs besides params and state (epoch-json §4.1). */
export interface SettleInput {
  readonly reputers: IdMap<ReputerReport>
  /** E_i, the topic reward to split (≥ 0). */
  readonly topicReward: number
}

/** epoch-json §4.2. */
export interface SettleOutput {
  readonly consensusLosses: LossBundle
  readonly infererScores: IdMap
  readonly forecasterScores: IdMap
  readonly forecastingTaskScore: number
  readonly reputerScores: IdMap
  readonly adjustedStakes: IdMap
  readonly rewardFractions: TaskMaps<IdMap>
  readonly entropies: TaskMaps<number>
  readonly forecastingUtility: number
  readonly taskRewardFractions: TaskMaps<number>
  readonly rewards: TaskMaps<IdMap>
  readonly state: TopicState
}
