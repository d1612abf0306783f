// PLACEHOLDER (being replaced by a deterministic port, see issue 3): the API below is fixed;
// the bodies still use Math.* and must not ship.
export function exp(x: number): number {
  return Math.exp(x)
}
export function ln(x: number): number {
  return Math.log(x)
}
export function log10(x: number): number {
  return Math.log10(x)
}
export function pow(x: number, y: number): number {
  return Math.pow(x, y)
}
/** softplus: ln(1 + e^z) without overflow for large z and without losing tiny values. */
export function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))
}
