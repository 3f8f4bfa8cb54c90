import { columnMeans, columnStds, covariance, invert } from '../../anomaly/linalg.js';
import { fQuantileOnGrid } from './f-dist.js';

/**
 * The SKAB leaderboard's Hotelling T² detector as the SKAB README specifies it; used only to check the
 * evaluator against the README's reproduction figures, not as a product detector.
 */
export function t2ReferenceFlags(train: number[][], test: number[][]): Uint8Array {
  const allCols = (train[0] ?? []).map((_, j) => j);
  const means0 = columnMeans(train);
  const stds0 = columnStds(train, means0);
  const keep = allCols.filter((j) => (stds0[j] as number) > 0);
  const pick = (rows: number[][]): number[][] => rows.map((r) => keep.map((j) => r[j] as number));
  const tr = pick(train);
  const te = pick(test);
  const mu = keep.map((j) => means0[j] as number);
  const sd = keep.map((j) => stds0[j] as number);
  const z = (r: number[]): number[] => r.map((v, j) => (v - (mu[j] as number)) / (sd[j] as number));
  const ztr = tr.map(z);
  const sInv = invert(covariance(ztr));
  const t2 = (x: number[]): number => {
    let s = 0;
    for (let a = 0; a < x.length; a++) {
      let row = 0;
      for (let b = 0; b < x.length; b++) row += ((sInv[a] as number[])[b] as number) * (x[b] as number);
      s += (x[a] as number) * row;
    }
    return s;
  };
  const m = keep.length;
  const n = tr.length;
  const q = fQuantileOnGrid(0.999, m, n - m);
  const ucl = ((m * (n - 1) * (n + 1)) / (n * (n - m))) * q;
  const scores = te.map((r) => t2(z(r)));
  const flags = new Uint8Array(te.length);
  for (let i = 4; i < scores.length; i++) {
    const w = scores.slice(i - 4, i + 1).sort((a, b) => a - b);
    if ((w[2] as number) > 2 * ucl) flags[i] = 1;
  }
  return flags;
}
