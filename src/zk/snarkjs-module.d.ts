// snarkjs ships no types; snarkjs.ts gives the calls Chorus makes theirs.
declare module 'snarkjs'
