;; Bulk kernels of the settle step (allora-math §3.1, §3.3, §4.2, §11): the loops over every
;; reported loss, ~10^5 coordinates × R reputers at the benchmark size, where scalar JS costs
;; a few ns per value and these run two lanes of f64 per instruction.
;;
;; Determinism: only IEEE-754 add, sub, mul, div and compares, in a fixed order. Where a sum
;; runs over two lanes, lane 0 takes the even coordinates and lane 1 the odd ones, each in
;; ascending order, and the result is lane 0 + lane 1; test/unit/synthesis/kernels.test.ts
;; checks every kernel bit for bit against a JS reference written that way.
;;
;; Pointers are byte offsets into the imported memory; f64 data is 8-byte aligned.
;; Rebuild the embedded binary after an edit: npm run build:kernels
(module
  ;; Imported, not defined here: the arena replaces a memory that is too small with a new one
  ;; (and a new instance) instead of growing it (kernels.ts says why).
  (import "env" "memory" (memory 1))

  ;; How many of the n f64 at p are not NaN, or -1 if one of them lies outside [lo, hi].
  (func (export "countInRange") (param $p i32) (param $n i32) (param $lo f64) (param $hi f64) (result i32)
    (local $end i32) (local $v v128) (local $present v128) (local $count v128) (local $bad v128)
    (local $low v128) (local $high v128) (local $x f64) (local $tail i32)
    (local.set $low (f64x2.splat (local.get $lo)))
    (local.set $high (f64x2.splat (local.get $hi)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $present (f64x2.eq (local.get $v) (local.get $v)))
        ;; present and not lo <= v <= hi
        (local.set $bad (v128.or (local.get $bad)
          (v128.andnot (local.get $present)
            (v128.and (f64x2.ge (local.get $v) (local.get $low)) (f64x2.le (local.get $v) (local.get $high))))))
        ;; a true compare lane is all ones = -1
        (local.set $count (i64x2.sub (local.get $count) (local.get $present)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $x (f64.load (local.get $p)))
        (if (f64.eq (local.get $x) (local.get $x))
          (then
            (if (i32.or (f64.lt (local.get $x) (local.get $lo)) (f64.gt (local.get $x) (local.get $hi))) (then (return (i32.const -1))))
            (local.set $tail (i32.const 1))))))
    (if (v128.any_true (local.get $bad)) (then (return (i32.const -1))))
    (i32.add (local.get $tail)
      (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $count)) (i64x2.extract_lane 1 (local.get $count))))))

  ;; §3.1: out[j] = Σ_m S_m v[m][j] / Σ_m S_m over the rows m (ascending) where v[m][j] is not
  ;; NaN; NaN where no row has a value. Rows are n apart. Each lane is one coordinate, summed
  ;; in the same order as a scalar loop, so the bits are those of the scalar loop.
  ;; Fused, while a pair's values are in cache: dist[m] = Σ_j (v[m][j] − out[j])², two lanes
  ;; (lane 0 even j, lane 1 odd j; meaningful when no value is NaN); acc is r·16 bytes of scratch.
  ;; Also the check of every value read: returns -1 if one that is not NaN lies outside
  ;; [lo, hi], else the number of NaN values (absent reports).
  (func (export "consensus") (param $values i32) (param $stakes i32) (param $r i32) (param $n i32) (param $out i32)
        (param $acc i32) (param $dist i32) (param $lo f64) (param $hi f64) (result i32)
    (local $j i32) (local $m i32) (local $v v128)
    (global.set $least (v128.const f64x2 inf inf))
    (global.set $most (v128.const f64x2 -inf -inf))
    (global.set $present (v128.const i64x2 0 0))
    (local.set $m (i32.const 0))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $m) (local.get $r)))
        (v128.store (i32.add (local.get $acc) (i32.shl (local.get $m) (i32.const 4))) (v128.const f64x2 0 0))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $zero)))
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.ge_u (i32.add (local.get $j) (i32.const 3)) (local.get $n)))
        (call $consensusQuad (local.get $values) (local.get $stakes) (local.get $r) (local.get $n) (local.get $out) (local.get $acc) (local.get $j))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quads)))
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $n)))
        (call $consensusPair (local.get $values) (local.get $stakes) (local.get $r) (local.get $n) (local.get $out) (local.get $acc) (local.get $j) (i32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $j) (local.get $n))
      (then (call $consensusPair (local.get $values) (local.get $stakes) (local.get $r) (local.get $n) (local.get $out) (local.get $acc) (local.get $j) (i32.const 1))))
    (local.set $m (i32.const 0))
    (block $reduced
      (loop $reduce
        (br_if $reduced (i32.ge_u (local.get $m) (local.get $r)))
        (local.set $v (v128.load (i32.add (local.get $acc) (i32.shl (local.get $m) (i32.const 4)))))
        (f64.store (i32.add (local.get $dist) (i32.shl (local.get $m) (i32.const 3)))
          (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $reduce)))
    ;; the least and most values read, over both lanes, against the bounds
    (if (i32.or
          (v128.any_true (f64x2.lt (global.get $least) (f64x2.splat (local.get $lo))))
          (v128.any_true (f64x2.gt (global.get $most) (f64x2.splat (local.get $hi)))))
      (then (return (i32.const -1))))
    ;; absent = values read − values present (a lane's true compare is all ones = −1)
    (i32.sub (i32.mul (local.get $r) (local.get $n))
      (i32.wrap_i64 (i64.sub (i64.const 0)
        (i64.add (i64x2.extract_lane 0 (global.get $present)) (i64x2.extract_lane 1 (global.get $present)))))))

  ;; The consensus kernel's check, carried across its calls of $consensusPair: per lane the
  ;; least and the most value read (NaN never enters), and minus the count of values present.
  (global $least (mut v128) (v128.const i64x2 0 0))
  (global $most (mut v128) (v128.const i64x2 0 0))
  (global $present (mut v128) (v128.const i64x2 0 0))

;; Coordinates j .. j + 3 of the consensus kernel: $consensusPair for j and for j + 2 with
  ;; each row read once. Every sum gets the same terms in the same order as the two pairs
  ;; would give it (a row's lanes take coordinate j, then j + 2), so the bits are theirs.
  (func $consensusQuad (param $values i32) (param $stakes i32) (param $r i32) (param $n i32) (param $out i32)
        (param $acc i32) (param $j i32)
    (local $m i32) (local $p i32) (local $a i32) (local $rowBytes i32)
    (local $num0 v128) (local $den0 v128) (local $num1 v128) (local $den1 v128)
    (local $v0 v128) (local $v1 v128) (local $s v128) (local $mask0 v128) (local $mask1 v128)
    (local $q0 v128) (local $q1 v128) (local $d0 v128) (local $d1 v128)
    (local $least v128) (local $most v128) (local $present v128)
    (local.set $least (global.get $least))
    (local.set $most (global.get $most))
    (local.set $present (global.get $present))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $p (i32.add (local.get $values) (i32.shl (local.get $j) (i32.const 3))))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $m) (local.get $r)))
        (local.set $v0 (v128.load (local.get $p)))
        (local.set $v1 (v128.load offset=16 (local.get $p)))
        (local.set $s (f64x2.splat (f64.load (i32.add (local.get $stakes) (i32.shl (local.get $m) (i32.const 3))))))
        (local.set $mask0 (f64x2.eq (local.get $v0) (local.get $v0)))
        (local.set $mask1 (f64x2.eq (local.get $v1) (local.get $v1)))
        (local.set $present (i64x2.add (i64x2.add (local.get $present) (local.get $mask0)) (local.get $mask1)))
        (local.set $least (f64x2.pmin (f64x2.pmin (local.get $least) (local.get $v0)) (local.get $v1)))
        (local.set $most (f64x2.pmax (f64x2.pmax (local.get $most) (local.get $v0)) (local.get $v1)))
        (local.set $num0 (f64x2.add (local.get $num0) (v128.and (f64x2.mul (local.get $s) (local.get $v0)) (local.get $mask0))))
        (local.set $den0 (f64x2.add (local.get $den0) (v128.and (local.get $s) (local.get $mask0))))
        (local.set $num1 (f64x2.add (local.get $num1) (v128.and (f64x2.mul (local.get $s) (local.get $v1)) (local.get $mask1))))
        (local.set $den1 (f64x2.add (local.get $den1) (v128.and (local.get $s) (local.get $mask1))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $rows)))
    (global.set $least (local.get $least))
    (global.set $most (local.get $most))
    (global.set $present (local.get $present))
    (local.set $q0
      (v128.bitselect
        (f64x2.div (local.get $num0) (local.get $den0))
        (v128.const f64x2 nan nan)
        (f64x2.gt (local.get $den0) (v128.const f64x2 0 0))))
    (local.set $q1
      (v128.bitselect
        (f64x2.div (local.get $num1) (local.get $den1))
        (v128.const f64x2 nan nan)
        (f64x2.gt (local.get $den1) (v128.const f64x2 0 0))))
    (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $q0))
    (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $q1))
    (local.set $p (i32.add (local.get $values) (i32.shl (local.get $j) (i32.const 3))))
    (local.set $a (local.get $acc))
    (local.set $m (i32.const 0))
    (block $distDone
      (loop $distances
        (br_if $distDone (i32.ge_u (local.get $m) (local.get $r)))
        (local.set $d0 (f64x2.sub (v128.load (local.get $p)) (local.get $q0)))
        (local.set $d1 (f64x2.sub (v128.load offset=16 (local.get $p)) (local.get $q1)))
        (v128.store (local.get $a)
          (f64x2.add (f64x2.add (v128.load (local.get $a)) (f64x2.mul (local.get $d0) (local.get $d0))) (f64x2.mul (local.get $d1) (local.get $d1))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $distances))))

    ;; Coordinates j and j + 1 of the consensus kernel; with `last` = 1 only j (the odd last
  ;; coordinate, even: lane 0), read with lane 1 = 0 so its distance term is (0 − 0)² = +0.
  (func $consensusPair (param $values i32) (param $stakes i32) (param $r i32) (param $n i32) (param $out i32)
        (param $acc i32) (param $j i32) (param $last i32)
    (local $m i32) (local $p i32) (local $a i32) (local $rowBytes i32)
    (local $num v128) (local $den v128) (local $v v128) (local $s v128) (local $mask v128) (local $q v128) (local $d v128)
    (local $least v128) (local $most v128) (local $present v128)
    ;; the check's running values in locals (a global is read and written through memory)
    (local.set $least (global.get $least))
    (local.set $most (global.get $most))
    (local.set $present (global.get $present))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $p (i32.add (local.get $values) (i32.shl (local.get $j) (i32.const 3))))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $m) (local.get $r)))
        (local.set $v (if (result v128) (local.get $last)
          ;; lane 1 of an odd last coordinate holds no value
          (then (f64x2.replace_lane 1 (v128.load64_zero (local.get $p)) (f64.const nan)))
          (else (v128.load (local.get $p)))))
        (local.set $s (f64x2.splat (f64.load (i32.add (local.get $stakes) (i32.shl (local.get $m) (i32.const 3))))))
        (local.set $mask (f64x2.eq (local.get $v) (local.get $v)))
        (local.set $present (i64x2.add (local.get $present) (local.get $mask)))
        ;; pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a keep a for a NaN b
        (local.set $least (f64x2.pmin (local.get $least) (local.get $v)))
        (local.set $most (f64x2.pmax (local.get $most) (local.get $v)))
        ;; a masked-out lane adds +0, which leaves a sum that is never −0 unchanged
        (local.set $num (f64x2.add (local.get $num) (v128.and (f64x2.mul (local.get $s) (local.get $v)) (local.get $mask))))
        (local.set $den (f64x2.add (local.get $den) (v128.and (local.get $s) (local.get $mask))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $rows)))
    (global.set $least (local.get $least))
    (global.set $most (local.get $most))
    (global.set $present (local.get $present))
    (local.set $q
      (v128.bitselect
        (f64x2.div (local.get $num) (local.get $den))
        (v128.const f64x2 nan nan)
        (f64x2.gt (local.get $den) (v128.const f64x2 0 0))))
    (if (local.get $last)
      (then
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (f64x2.extract_lane 0 (local.get $q)))
        (local.set $q (f64x2.replace_lane 1 (local.get $q) (f64.const 0))))
      (else (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $q))))
    (local.set $p (i32.add (local.get $values) (i32.shl (local.get $j) (i32.const 3))))
    (local.set $a (local.get $acc))
    (local.set $m (i32.const 0))
    (block $distDone
      (loop $distances
        (br_if $distDone (i32.ge_u (local.get $m) (local.get $r)))
        (local.set $v (if (result v128) (local.get $last) (then (v128.load64_zero (local.get $p))) (else (v128.load (local.get $p)))))
        (local.set $d (f64x2.sub (local.get $v) (local.get $q)))
        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $distances))))

  ;; §4.2 in place on one table row: for i < n, with k = at[i] (i32 column indices),
  ;; previous = v[k] (NaN, a pair never stored: the initial regret), current = reference −
  ;; losses[i], and v[k] = current if current == previous, else α·current + (1 − α)·previous:
  ;; the same operations, in the same order, as stats.ts ema(). Returns 0, or -1 (and stops)
  ;; at a column outside [0, limit), so a wrong column can never write past the row's table.
  (func (export "emaUpdate") (param $v i32) (param $at i32) (param $losses i32) (param $n i32)
        (param $reference f64) (param $alpha f64) (param $initial f64) (param $limit i32) (result i32)
    (local $i i32) (local $k i32) (local $p i32) (local $previous f64) (local $current f64)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))))
        ;; unsigned: a negative column is out of range too
        (if (i32.ge_u (local.get $k) (local.get $limit)) (then (return (i32.const -1))))
        (local.set $p (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $previous (f64.load (local.get $p)))
        (if (f64.ne (local.get $previous) (local.get $previous)) (then (local.set $previous (local.get $initial))))
        (local.set $current (f64.sub (local.get $reference) (f64.load (i32.add (local.get $losses) (i32.shl (local.get $i) (i32.const 3))))))
        (f64.store (local.get $p)
          (select
            (local.get $current)
            (f64.add (f64.mul (local.get $alpha) (local.get $current)) (f64.mul (f64.sub (f64.const 1) (local.get $alpha)) (local.get $previous)))
            (f64.eq (local.get $current) (local.get $previous))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (i32.const 0))

  ;; emaUpdate over consecutive columns (at[i] = i): two entries per instruction, the same
  ;; operations per entry.
  (func (export "emaContiguous") (param $v i32) (param $losses i32) (param $n i32)
        (param $reference f64) (param $alpha f64) (param $initial f64)
    (local $end i32) (local $previous v128) (local $current v128) (local $r v128) (local $a v128) (local $b v128) (local $i v128)
    (local $x f64) (local $y f64)
    (local.set $r (f64x2.splat (local.get $reference)))
    (local.set $a (f64x2.splat (local.get $alpha)))
    (local.set $b (f64x2.splat (f64.sub (f64.const 1) (local.get $alpha))))
    (local.set $i (f64x2.splat (local.get $initial)))
    (local.set $end (i32.add (local.get $v) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $v) (local.get $end)))
        (local.set $previous (v128.load (local.get $v)))
        (local.set $previous (v128.bitselect (local.get $previous) (local.get $i) (f64x2.eq (local.get $previous) (local.get $previous))))
        (local.set $current (f64x2.sub (local.get $r) (v128.load (local.get $losses))))
        (v128.store (local.get $v)
          (v128.bitselect
            (local.get $current)
            (f64x2.add (f64x2.mul (local.get $a) (local.get $current)) (f64x2.mul (local.get $b) (local.get $previous)))
            (f64x2.eq (local.get $current) (local.get $previous))))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $losses (i32.add (local.get $losses) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $x (f64.load (local.get $v)))
        (if (f64.ne (local.get $x) (local.get $x)) (then (local.set $x (local.get $initial))))
        (local.set $y (f64.sub (local.get $reference) (f64.load (local.get $losses))))
        (f64.store (local.get $v)
          (select
            (local.get $y)
            (f64.add (f64.mul (local.get $alpha) (local.get $y)) (f64.mul (f64.sub (f64.const 1) (local.get $alpha)) (local.get $x)))
            (f64.eq (local.get $y) (local.get $x)))))))

  ;; A table's kept rows moved onto new columns: for each new row r with rowsFrom[r] = p ≥ 0
  ;; and each old column c with colAt[c] ≥ 0, dst[r·nc + colAt[c]] = src[p·pnc + c]. Other
  ;; entries of dst are left as they are.
  (func (export "remapRows") (param $dst i32) (param $nc i32) (param $src i32) (param $pnc i32)
        (param $rowsFrom i32) (param $rows i32) (param $colAt i32)
    (local $r i32) (local $p i32) (local $c i32) (local $to i32) (local $d i32) (local $s i32)
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $p (i32.load (i32.add (local.get $rowsFrom) (i32.shl (local.get $r) (i32.const 2)))))
        (if (i32.ge_s (local.get $p) (i32.const 0))
          (then
            (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $r) (local.get $nc)) (i32.const 3))))
            (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $p) (local.get $pnc)) (i32.const 3))))
            (local.set $c (i32.const 0))
            (block $colsDone
              (loop $eachCol
                (br_if $colsDone (i32.ge_u (local.get $c) (local.get $pnc)))
                (local.set $to (i32.load (i32.add (local.get $colAt) (i32.shl (local.get $c) (i32.const 2)))))
                (if (i32.ge_s (local.get $to) (i32.const 0))
                  (then
                    (f64.store (i32.add (local.get $d) (i32.shl (local.get $to) (i32.const 3)))
                      (f64.load (i32.add (local.get $s) (i32.shl (local.get $c) (i32.const 3)))))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $eachCol)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow))))

    ;; v[t] −= z[t] for n coordinates.
  (func $subtract (param $v i32) (param $z i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $v) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $v) (local.get $end)))
        (v128.store (local.get $v) (f64x2.sub (v128.load (local.get $v)) (v128.load (local.get $z))))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $v) (f64.sub (f64.load (local.get $v)) (f64.load (local.get $z)))))))

  ;; Two-lane sums of x·u over `len` coordinates (len even, or odd in the last block) for rows
  ;; a, c (pointers pa, pc) against four rows (p0..p3), added to the accumulators at accA
  ;; (4 × 16 bytes, entries (a, b..b+3)) and accC (entries (c, b..b+3)).
  (func $block24 (param $pa i32) (param $pc i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                 (param $len i32) (param $accA i32) (param $accC i32)
    (local $off i32) (local $end i32)
    (local $x v128) (local $y v128) (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $s00 (v128.load offset=0 (local.get $accA)))
    (local.set $s01 (v128.load offset=16 (local.get $accA)))
    (local.set $s02 (v128.load offset=32 (local.get $accA)))
    (local.set $s03 (v128.load offset=48 (local.get $accA)))
    (local.set $s10 (v128.load offset=0 (local.get $accC)))
    (local.set $s11 (v128.load offset=16 (local.get $accC)))
    (local.set $s12 (v128.load offset=32 (local.get $accC)))
    (local.set $s13 (v128.load offset=48 (local.get $accC)))
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $x (v128.load (i32.add (local.get $pa) (local.get $off))))
        (local.set $y (v128.load (i32.add (local.get $pc) (local.get $off))))
        (local.set $u0 (v128.load (i32.add (local.get $p0) (local.get $off))))
        (local.set $u1 (v128.load (i32.add (local.get $p1) (local.get $off))))
        (local.set $u2 (v128.load (i32.add (local.get $p2) (local.get $off))))
        (local.set $u3 (v128.load (i32.add (local.get $p3) (local.get $off))))
        (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $u0))))
        (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $u1))))
        (local.set $s02 (f64x2.add (local.get $s02) (f64x2.mul (local.get $x) (local.get $u2))))
        (local.set $s03 (f64x2.add (local.get $s03) (f64x2.mul (local.get $x) (local.get $u3))))
        (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $y) (local.get $u0))))
        (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $y) (local.get $u1))))
        (local.set $s12 (f64x2.add (local.get $s12) (f64x2.mul (local.get $y) (local.get $u2))))
        (local.set $s13 (f64x2.add (local.get $s13) (f64x2.mul (local.get $y) (local.get $u3))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        ;; the odd last coordinate is even (blocks start even): lane 0; lane 1 adds 0 · 0 = +0
        (local.set $x (v128.load64_zero (i32.add (local.get $pa) (local.get $off))))
        (local.set $y (v128.load64_zero (i32.add (local.get $pc) (local.get $off))))
        (local.set $u0 (v128.load64_zero (i32.add (local.get $p0) (local.get $off))))
        (local.set $u1 (v128.load64_zero (i32.add (local.get $p1) (local.get $off))))
        (local.set $u2 (v128.load64_zero (i32.add (local.get $p2) (local.get $off))))
        (local.set $u3 (v128.load64_zero (i32.add (local.get $p3) (local.get $off))))
        (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $u0))))
        (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $u1))))
        (local.set $s02 (f64x2.add (local.get $s02) (f64x2.mul (local.get $x) (local.get $u2))))
        (local.set $s03 (f64x2.add (local.get $s03) (f64x2.mul (local.get $x) (local.get $u3))))
        (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $y) (local.get $u0))))
        (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $y) (local.get $u1))))
        (local.set $s12 (f64x2.add (local.get $s12) (f64x2.mul (local.get $y) (local.get $u2))))
        (local.set $s13 (f64x2.add (local.get $s13) (f64x2.mul (local.get $y) (local.get $u3))))))
    (v128.store offset=0 (local.get $accA) (local.get $s00))
    (v128.store offset=16 (local.get $accA) (local.get $s01))
    (v128.store offset=32 (local.get $accA) (local.get $s02))
    (v128.store offset=48 (local.get $accA) (local.get $s03))
    (v128.store offset=0 (local.get $accC) (local.get $s10))
    (v128.store offset=16 (local.get $accC) (local.get $s11))
    (v128.store offset=32 (local.get $accC) (local.get $s12))
    (v128.store offset=48 (local.get $accC) (local.get $s13)))

  ;; One entry: two-lane sum of x·u over `len` coordinates, added to the accumulator at acc.
  (func $block11 (param $px i32) (param $pu i32) (param $len i32) (param $acc i32)
    (local $off i32) (local $end i32) (local $s v128)
    (local.set $s (v128.load (local.get $acc)))
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $s (f64x2.add (local.get $s)
          (f64x2.mul (v128.load (i32.add (local.get $px) (local.get $off))) (v128.load (i32.add (local.get $pu) (local.get $off))))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        (local.set $s (f64x2.add (local.get $s)
          (f64x2.mul (v128.load64_zero (i32.add (local.get $px) (local.get $off))) (v128.load64_zero (i32.add (local.get $pu) (local.get $off))))))))
    (v128.store (local.get $acc) (local.get $s)))

  ;; Entries (a, b) and (c, b): two rows against one, each sum as in $block11.
  (func $block21 (param $pa i32) (param $pc i32) (param $pu i32) (param $len i32) (param $accA i32) (param $accC i32)
    (local $off i32) (local $end i32) (local $u v128) (local $sa v128) (local $sc v128)
    (local.set $sa (v128.load (local.get $accA)))
    (local.set $sc (v128.load (local.get $accC)))
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $u (v128.load (i32.add (local.get $pu) (local.get $off))))
        (local.set $sa (f64x2.add (local.get $sa) (f64x2.mul (v128.load (i32.add (local.get $pa) (local.get $off))) (local.get $u))))
        (local.set $sc (f64x2.add (local.get $sc) (f64x2.mul (v128.load (i32.add (local.get $pc) (local.get $off))) (local.get $u))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        (local.set $u (v128.load64_zero (i32.add (local.get $pu) (local.get $off))))
        (local.set $sa (f64x2.add (local.get $sa) (f64x2.mul (v128.load64_zero (i32.add (local.get $pa) (local.get $off))) (local.get $u))))
        (local.set $sc (f64x2.add (local.get $sc) (f64x2.mul (v128.load64_zero (i32.add (local.get $pc) (local.get $off))) (local.get $u))))))
    (v128.store (local.get $accA) (local.get $sa))
    (v128.store (local.get $accC) (local.get $sc)))

    ;; The Gram matrix of K rows of `count` f64 each: out[a·K + b] = ⟨row a, row b⟩, every entry
  ;; summed in two lanes (even / odd coordinates) and then lane 0 + lane 1. `table` holds the
  ;; K row pointers (i32). With centred = c > 0, rows 0..c−1 are first centred in place on the
  ;; last row (row K − 1): block by block, just before the block is read, so the rows are
  ;; read from memory once; the result is as if they had been centred first. `acc` is scratch
  ;; of K·K·16 bytes. Coordinates go in blocks of 512 (K rows of a block stay in cache); each
  ;; entry's lanes carry across blocks, so the blocking does not change any bit.
  (func (export "gram") (param $table i32) (param $K i32) (param $count i32) (param $centred i32) (param $acc i32) (param $out i32)
    (local $start i32) (local $len i32) (local $a i32) (local $b i32) (local $i i32) (local $off i32)
    (local $v v128) (local $z i32)
    ;; zero the accumulators
    (local.set $i (i32.const 0))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $i) (i32.mul (local.get $K) (local.get $K))))
        (v128.store (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 4))) (v128.const f64x2 0 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $zero)))
    (local.set $z (call $row (local.get $table) (i32.sub (local.get $K) (i32.const 1))))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $start) (local.get $count)))
        (local.set $len (i32.sub (local.get $count) (local.get $start)))
        (if (i32.gt_u (local.get $len) (i32.const 512)) (then (local.set $len (i32.const 512))))
        (local.set $off (i32.shl (local.get $start) (i32.const 3)))
        ;; centre this block of rows 0..centred−1
        (local.set $a (i32.const 0))
        (block $centredDone
          (loop $centre
            (br_if $centredDone (i32.ge_u (local.get $a) (local.get $centred)))
            (call $subtract
              (i32.add (call $row (local.get $table) (local.get $a)) (local.get $off))
              (i32.add (local.get $z) (local.get $off))
              (local.get $len))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $centre)))
        ;; rows in pairs (a, a + 1) against columns b ≥ a in fours; (a + 1, a) lies below the
        ;; diagonal and is overwritten by the mirror at the end
        (local.set $a (i32.const 0))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_u (i32.add (local.get $a) (i32.const 1)) (local.get $K)))
            (local.set $b (local.get $a))
            (block $foursDone
              (loop $fours
                (br_if $foursDone (i32.ge_u (i32.add (local.get $b) (i32.const 3)) (local.get $K)))
                (call $block24
                  (i32.add (call $row (local.get $table) (local.get $a)) (local.get $off))
                  (i32.add (call $row (local.get $table) (i32.add (local.get $a) (i32.const 1))) (local.get $off))
                  (i32.add (call $row (local.get $table) (local.get $b)) (local.get $off))
                  (i32.add (call $row (local.get $table) (i32.add (local.get $b) (i32.const 1))) (local.get $off))
                  (i32.add (call $row (local.get $table) (i32.add (local.get $b) (i32.const 2))) (local.get $off))
                  (i32.add (call $row (local.get $table) (i32.add (local.get $b) (i32.const 3))) (local.get $off))
                  (local.get $len)
                  (call $entry (local.get $acc) (local.get $K) (local.get $a) (local.get $b))
                  (call $entry (local.get $acc) (local.get $K) (i32.add (local.get $a) (i32.const 1)) (local.get $b)))
                (local.set $b (i32.add (local.get $b) (i32.const 4)))
                (br $fours)))
            (block $restDone
              (loop $rest
                (br_if $restDone (i32.ge_u (local.get $b) (local.get $K)))
                (call $block21
                  (i32.add (call $row (local.get $table) (local.get $a)) (local.get $off))
                  (i32.add (call $row (local.get $table) (i32.add (local.get $a) (i32.const 1))) (local.get $off))
                  (i32.add (call $row (local.get $table) (local.get $b)) (local.get $off))
                  (local.get $len)
                  (call $entry (local.get $acc) (local.get $K) (local.get $a) (local.get $b))
                  (call $entry (local.get $acc) (local.get $K) (i32.add (local.get $a) (i32.const 1)) (local.get $b)))
                (local.set $b (i32.add (local.get $b) (i32.const 1)))
                (br $rest)))
            (local.set $a (i32.add (local.get $a) (i32.const 2)))
            (br $pairs)))
        ;; K odd: the last row against itself
        (if (i32.lt_u (local.get $a) (local.get $K))
          (then
            (call $block11
              (i32.add (call $row (local.get $table) (local.get $a)) (local.get $off))
              (i32.add (call $row (local.get $table) (local.get $a)) (local.get $off))
              (local.get $len)
              (call $entry (local.get $acc) (local.get $K) (local.get $a) (local.get $a)))))
        (local.set $start (i32.add (local.get $start) (local.get $len)))
        (br $blocks)))
    ;; lanes → entries, mirrored
    (local.set $a (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $a) (local.get $K)))
        (local.set $b (local.get $a))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $b) (local.get $K)))
            (local.set $v (v128.load (call $entry (local.get $acc) (local.get $K) (local.get $a) (local.get $b))))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $K)) (local.get $b)) (i32.const 3)))
              (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $K)) (local.get $a)) (i32.const 3)))
              (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $cols)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $rows))))

  ;; Pointer of row i of a row table.
  (func $row (param $table i32) (param $i i32) (result i32)
    (i32.load (i32.add (local.get $table) (i32.shl (local.get $i) (i32.const 2)))))

  ;; Address of accumulator (a, b) of a K × K table of f64x2.
  (func $entry (param $acc i32) (param $K i32) (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $acc) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $K)) (local.get $b)) (i32.const 4)))))
