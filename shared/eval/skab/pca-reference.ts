import { columnMeans, columnStds, covariance, symmetricEigen } from '../../anomaly/linalg.js';

/**
 * PCA T² + Q (SPE) baseline for the SKAB comparison, as commonly set up: z-score on the fit rows, keep the
 * components that explain 95 % of the variance, control limits at the 99th percentile of the fit rows' T²
 * and Q, flag a row when either exceeds its limit. A measured alternative, not a product detector.
 */
export function pcaT2QFlags(train: number[][], test: number[][], explained = 0.95, quantile = 0.99): Uint8Array {
  const mu = columnMeans(train);
  const sd = columnStds(train, mu).map((s) => (s > 0 ? s : 1));
  const z = (r: number[]) => r.map((v, j) => (v - (mu[j] as number)) / (sd[j] as number));
  const ztr = train.map(z);
  const { values, vectors } = symmetricEigen(covariance(ztr));
  const total = values.reduce((a, b) => a + Math.max(0, b), 0);
  let k = 0;
  for (let acc = 0; k < values.length && acc / total < explained; k++) acc += Math.max(0, values[k] as number);
  const stats = (x: number[]): [number, number] => {
    let t2 = 0;
    const recon = new Array<number>(x.length).fill(0);
    for (let c = 0; c < k; c++) {
      let t = 0;
      for (let j = 0; j < x.length; j++) t += (x[j] as number) * ((vectors[j] as number[])[c] as number);
      t2 += (t * t) / Math.max(values[c] as number, 1e-12);
      for (let j = 0; j < x.length; j++) recon[j] = (recon[j] as number) + t * ((vectors[j] as number[])[c] as number);
    }
    const q = x.reduce((a, v, j) => a + (v - (recon[j] as number)) ** 2, 0);
    return [t2, q];
  };
  const trainStats = ztr.map(stats);
  const limit = (i: 0 | 1) => {
    const s = trainStats.map((v) => v[i]).sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(quantile * s.length))] as number;
  };
  const [t2Limit, qLimit] = [limit(0), limit(1)];
  return Uint8Array.from(
    test.map((r) => {
      const [t2, q] = stats(z(r));
      return t2 > t2Limit || q > qLimit ? 1 : 0;
    }),
  );
}
