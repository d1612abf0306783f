;; The Gram matrix of the reputers' loss vectors for the distances of §11.2.
;; Part of the kernels module (kernels.wat): scripts/assemble-kernels.ts splices it in.
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
    (i32.add (local.get $acc) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $K)) (local.get $b)) (i32.const 4))))
