;; Bulk kernels of the settle step (docs/spec/math.md §3.1, §3.3, §4.2, §11): the loops over every
;; reported loss, ~10^5 coordinates × R reputers at the benchmark size, where scalar JS costs
;; a few ns per value and these run two lanes of f64 per instruction.
;;
;; Determinism: only IEEE-754 add, sub, mul, div and compares, in a fixed order. Where a sum
;; runs over two lanes, lane 0 takes the even coordinates and lane 1 the odd ones, each in
;; ascending order, and the result is lane 0 + lane 1; test/unit/synthesis/kernels.test.ts
;; checks every kernel bit for bit against a JS reference written that way.
;;
;; Pointers are byte offsets into the imported memory; f64 data is 8-byte aligned.
;; The kernels themselves are in consensus.wat, regrets.wat and gram.wat, spliced in at the
;; marker below in that order (scripts/assemble-kernels.ts). Rebuild the embedded binary after
;; an edit: npm run build:kernels
(module
  ;; Imported, not defined here: the arena replaces a memory that is too small with a new one
  ;; (and a new instance) instead of growing it (kernels.ts says why).
  (import "env" "memory" (memory 1))

  ;; @kernels
)
