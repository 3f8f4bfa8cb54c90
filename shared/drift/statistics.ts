import type { ReferenceDistribution } from '../models/card.js';

/** The reference of a training series: its 101 percentiles (linear interpolation), for the card. */
export function referenceOf(values: readonly number[]): ReferenceDistribution {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length < 2) throw new Error('a reference needs at least two values');
  const quantiles = Array.from({ length: 101 }, (_, p) => {
    const pos = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
  });
  return { n: sorted.length, quantiles };
}

/** Share of a reference at or below x: its percentiles read as a piecewise-linear CDF (flat runs, e.g. zeros, handled). */
function referenceCdf(q: readonly number[], x: number): number {
  if (x < (q[0] as number)) return 0;
  if (x >= (q[100] as number)) return 1;
  let i = 0;
  while (i < 100 && (q[i + 1] as number) <= x) i++;
  const lo = q[i] as number;
  const hi = q[i + 1] as number;
  return (i + (hi > lo ? (x - lo) / (hi - lo) : 1)) / 100;
}

/**
 * Bin edges for PSI: the reference's deciles, merged where closer than 5 % of its 10–90 % range, so that a
 * series that sits most of the time at one level (a machine idling) is not split into bins narrower than its
 * noise, where any small level change would read as a shift.
 */
function psiEdges(q: readonly number[]): number[] {
  const minWidth = 0.05 * ((q[90] as number) - (q[10] as number));
  const edges: number[] = [];
  for (const p of [10, 20, 30, 40, 50, 60, 70, 80, 90]) {
    const edge = q[p] as number;
    if (
      edges.length === 0 ? edge - (q[0] as number) >= minWidth : edge - (edges[edges.length - 1] as number) >= minWidth
    )
      edges.push(edge);
  }
  return edges;
}

/**
 * PSI: Σ (w − r) ln(w / r) over the bins of psiEdges, r the reference's share of a bin and w the window's;
 * shares floored at 1e-4. Below 0.1 stable, 0.1–0.25 moderate, above 0.25 a significant shift (the usual reading).
 */
export function psi(ref: ReferenceDistribution, window: readonly number[]): number {
  const edges = psiEdges(ref.quantiles);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of window) {
    let bin = 0;
    while (bin < edges.length && v > (edges[bin] as number)) bin++;
    counts[bin] = (counts[bin] as number) + 1;
  }
  const cdf = [0, ...edges.map((e) => referenceCdf(ref.quantiles, e)), 1];
  let total = 0;
  for (let b = 0; b < counts.length; b++) {
    const r = Math.max(1e-4, (cdf[b + 1] as number) - (cdf[b] as number));
    const w = Math.max(1e-4, (counts[b] as number) / window.length);
    total += (w - r) * Math.log(w / r);
  }
  return total;
}

/** Kolmogorov-Smirnov statistic between the window's empirical CDF and the reference CDF. */
export function ks(ref: ReferenceDistribution, window: readonly number[]): number {
  const sorted = [...window].sort((a, b) => a - b);
  let d = 0;
  let runStart = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i] as number;
    if (i > 0 && sorted[i - 1] !== x) runStart = i;
    // Ties: compare once, after the last of equal values, and just before the first.
    if (i + 1 < sorted.length && sorted[i + 1] === x) continue;
    const f = referenceCdf(ref.quantiles, x);
    d = Math.max(d, Math.abs((i + 1) / sorted.length - f), Math.abs(runStart / sorted.length - f));
  }
  return d;
}
