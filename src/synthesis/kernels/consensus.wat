;; The loss-matrix kernels of §3: the range check of reported losses and the stake-weighted consensus.
;; Part of the kernels module (kernels.wat): scripts/assemble-kernels.ts splices it in.
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
