/**
 * KNN imputation in the manner of scikit-learn's KNNImputer: a missing cell takes the distance-weighted
 * mean of its column over the k nearest rows that have it, with the NaN-aware Euclidean distance (only
 * coordinates present in both rows count, scaled up by how many were usable).
 */
export interface KnnOptions {
  readonly k: number;
  /** Fewest shared coordinates for a neighbour to count. */
  readonly minShared: number;
}

/** Columns are standardised first so that no unit dominates the distance. */
function standardise(rows: Float64Array[], width: number): Float64Array[] {
  const mean = new Float64Array(width);
  const sd = new Float64Array(width);
  const count = new Float64Array(width);
  for (const r of rows)
    for (let j = 0; j < width; j++)
      if (!Number.isNaN(r[j]!)) {
        mean[j]! += r[j]!;
        count[j]!++;
      }
  for (let j = 0; j < width; j++) mean[j] = count[j]! ? mean[j]! / count[j]! : 0;
  for (const r of rows) for (let j = 0; j < width; j++) if (!Number.isNaN(r[j]!)) sd[j]! += (r[j]! - mean[j]!) ** 2;
  for (let j = 0; j < width; j++) sd[j] = Math.sqrt(sd[j]! / Math.max(1, count[j]! - 1)) || 1;
  return rows.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!));
}

/**
 * Imputes `targets` (row, column) of `matrix` (NaN = missing); `weights` scales each column's pull on
 * the distance. Returns the imputed values in the order of `targets`; NaN where no neighbour has the column.
 * A target column is missing in its own row, so it never enters the distance: the distances from one
 * row serve all of that row's targets.
 */
export function knnImpute(
  matrix: Float64Array[],
  targets: ReadonlyArray<readonly [row: number, column: number]>,
  weights: Float64Array,
  options: KnnOptions,
): number[] {
  const width = weights.length;
  const scaled = standardise(matrix, width);
  const distance = new Float64Array(matrix.length);
  const result = new Array<number>(targets.length).fill(NaN);
  const byRow = new Map<number, number[]>();
  targets.forEach(([row], i) => {
    const list = byRow.get(row);
    if (list) list.push(i);
    else byRow.set(row, [i]);
  });
  for (const [row, targetIndexes] of byRow) {
    rowDistances(scaled, row, weights, options.minShared, distance);
    for (const i of targetIndexes) {
      const column = (targets[i] as readonly [number, number])[1];
      result[i] = weightedNearest(matrix, column, distance, options.k);
    }
  }
  return result;
}

/** NaN-aware weighted Euclidean distance from one row to every other (Infinity: not comparable). */
function rowDistances(
  scaled: Float64Array[],
  row: number,
  weights: Float64Array,
  minShared: number,
  out: Float64Array,
): void {
  const query = scaled[row] as Float64Array;
  let total = 0;
  for (let j = 0; j < weights.length; j++) if (!Number.isNaN(query[j])) total += weights[j] as number;
  for (let other = 0; other < scaled.length; other++) {
    const candidate = scaled[other] as Float64Array;
    let sum = 0;
    let shared = 0;
    for (let j = 0; j < weights.length; j++) {
      const a = query[j] as number;
      const b = candidate[j] as number;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      const w = weights[j] as number;
      sum += w * (a - b) * (a - b);
      shared += w;
    }
    out[other] = other === row || shared === 0 || shared < minShared ? Infinity : Math.sqrt((sum * total) / shared);
  }
}

/** Inverse-distance weighted mean of `column` over the k nearest rows that have it. */
function weightedNearest(matrix: Float64Array[], column: number, distance: Float64Array, k: number): number {
  const bestD = new Float64Array(k).fill(Infinity);
  const bestV = new Float64Array(k);
  for (let other = 0; other < matrix.length; other++) {
    const d = distance[other] as number;
    if (d === Infinity) continue;
    const value = (matrix[other] as Float64Array)[column] as number;
    if (Number.isNaN(value)) continue;
    let worst = 0;
    for (let i = 1; i < k; i++) if ((bestD[i] as number) > (bestD[worst] as number)) worst = i;
    if (d < (bestD[worst] as number)) {
      bestD[worst] = d;
      bestV[worst] = value;
    }
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < k; i++) {
    if (bestD[i] === Infinity) continue;
    const w = 1 / ((bestD[i] as number) + 1e-9);
    num += w * (bestV[i] as number);
    den += w;
  }
  return den === 0 ? NaN : num / den;
}
