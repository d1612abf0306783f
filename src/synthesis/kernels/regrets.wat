;; The regret-table kernels of §4.2: EMA updates of table rows and moving kept rows onto new columns.
;; Part of the kernels module (kernels.wat): scripts/assemble-kernels.ts splices it in.
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
