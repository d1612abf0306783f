pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// A signed value of `n` bits: v + 2^(n-1) must fit in n bits.
template SignedRange(n) {
    signal input v;
    component bits = Num2Bits(n);
    bits.in <== v + (1 << (n - 1));
}

// A verified linear model (docs/zk.md): y = floor((W·x + b·2^16) / 2^16) for private weights W (16),
// bias b and salt, and public features x (16), output y and commitment
// C = Poseidon(Poseidon(W), b, salt). W, b and x are signed 32-bit fixed point (scale 2^16); a
// negative value v is the field element p − |v|. The public signals are [x, y, C] in that order.
template Linear16() {
    signal input w[16];
    signal input b;
    signal input salt;
    signal input x[16];
    signal input y;
    signal input commitment;

    component wRange[16];
    component xRange[16];
    for (var i = 0; i < 16; i++) {
        wRange[i] = SignedRange(32);
        wRange[i].v <== w[i];
        xRange[i] = SignedRange(32);
        xRange[i].v <== x[i];
    }
    component bRange = SignedRange(32);
    bRange.v <== b;

    component hw = Poseidon(16);
    for (var i = 0; i < 16; i++) hw.inputs[i] <== w[i];
    component hc = Poseidon(3);
    hc.inputs[0] <== hw.out;
    hc.inputs[1] <== b;
    hc.inputs[2] <== salt;
    commitment === hc.out;

    signal prod[16];
    for (var i = 0; i < 16; i++) prod[i] <== w[i] * x[i];
    // The bias is in the output's fixed point: W·x has scale 2^32, b·2^16 too.
    var acc = b * (1 << 16);
    for (var i = 0; i < 16; i++) acc += prod[i];

    // acc + 2^69 = q·2^16 + r, 0 <= r < 2^16, 0 <= q < 2^54; y = q − 2^53.
    signal q;
    signal r;
    q <-- (acc + (1 << 69)) \ (1 << 16);
    r <-- (acc + (1 << 69)) % (1 << 16);
    component rBits = Num2Bits(16);
    rBits.in <== r;
    component qBits = Num2Bits(54);
    qBits.in <== q;
    acc + (1 << 69) === q * (1 << 16) + r;
    y === q - (1 << 53);
}

component main {public [x, y, commitment]} = Linear16();
