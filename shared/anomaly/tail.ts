/**
 * Tail probabilities on a log scale, shared by the detectors so every score reads the same way:
 * score = −log10(tail) / 10, clipped to [0, 1]; 0.4 ↔ tail 1e-4, 0.5 ↔ 1e-5, 1 ↔ 1e-10 or beyond.
 */

/** Coefficients of Numerical Recipes' erfcc: erfc(x) = t·exp(−x² + P(t)), t = 1/(1 + x/2), x ≥ 0, |rel. error| < 1.2e-7. */
export const ERFC_POLY = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
] as const;

/** ln erfc(x) for x ≥ 0, stable far into the tail. */
export function logErfc(x: number): number {
  const z = Math.max(0, x);
  const t = 1 / (1 + 0.5 * z);
  let p = 0;
  for (let i = ERFC_POLY.length - 1; i >= 0; i--) p = p * t + (ERFC_POLY[i] as number);
  return Math.log(t) - z * z + p;
}

/** Upper-tail probability of a standard normal beyond z, folded at 0 (z ≤ 0 gives 0.5). */
export function normalTail(z: number): number {
  return 0.5 * Math.exp(logErfc(z / Math.SQRT2));
}

/** −log10(tail)/10 clipped to [0, 1]. */
export function logTailScore(tail: number): number {
  const s = -Math.log10(tail) / 10;
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

/** Score of a tail probability p: the threshold that alarms at p. */
export const scoreForTail = (p: number): number => logTailScore(p);

/** Wilson–Hilferty: a chi-square statistic with k degrees of freedom as an approximately standard normal z. */
export function chiSquareToZ(stat: number, k: number): number {
  const a = 2 / (9 * k);
  return (Math.cbrt(Math.max(0, stat) / k) - (1 - a)) / Math.sqrt(a);
}
