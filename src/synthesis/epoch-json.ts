/**
 * The epoch JSON of `docs/spec/epoch-json.md`: the input and output format of
 * `chorus synth --epoch`. Reading (with validation that names the JSON path of every
 * problem) and writing live in two files; this is the one import for both.
 */
export * from './epoch-json-read.js'
export * from './epoch-json-write.js'
