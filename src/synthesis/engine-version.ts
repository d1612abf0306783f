/**
 * The version of the synthesis engine's results: bumped whenever any output of synthesize or
 * settle can change in any bit for some input, or an input it accepted is refused. Every
 * coordinator re-executes blocks with it, so the genesis pins it with each topic's rules
 * (src/consensus/chain/topic-rules.ts): coordinators of different engine versions refuse to run
 * one chain together instead of stalling it.
 *
 * 2: WebAssembly kernels (the reputer Gram matrix and distances sum in two lanes), input
 *    ranges for inferences, forecasts and reported losses.
 * 3: σ of a regret set in one pass relative to its first regret, regrets normalised by
 *    multiplying with 1/(|σ| + ε) (weights.ts).
 */
export const SYNTHESIS_ENGINE_VERSION = 3
