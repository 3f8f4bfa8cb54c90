/** Small dense linear algebra for fitting detectors on a few thousand rows of a few dozen columns. */

export type Matrix = number[][];

export function columnMeans(rows: readonly (readonly number[])[]): number[] {
  const m = (rows[0] ?? []).length;
  const out = new Array<number>(m).fill(0);
  for (const r of rows) for (let j = 0; j < m; j++) out[j] = (out[j] as number) + (r[j] as number);
  return out.map((s) => s / rows.length);
}

/** Population standard deviation (divisor n) per column. */
export function columnStds(rows: readonly (readonly number[])[], means = columnMeans(rows)): number[] {
  const m = means.length;
  const out = new Array<number>(m).fill(0);
  for (const r of rows) {
    for (let j = 0; j < m; j++) {
      const d = (r[j] as number) - (means[j] as number);
      out[j] = (out[j] as number) + d * d;
    }
  }
  return out.map((s) => Math.sqrt(s / rows.length));
}

/** Sample covariance (divisor n − 1). */
export function covariance(rows: readonly (readonly number[])[], means = columnMeans(rows)): Matrix {
  const m = means.length;
  const c: Matrix = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (const r of rows) {
    for (let a = 0; a < m; a++) {
      const da = (r[a] as number) - (means[a] as number);
      const ca = c[a] as number[];
      for (let b = a; b < m; b++) ca[b] = (ca[b] as number) + da * ((r[b] as number) - (means[b] as number));
    }
  }
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const v = ((c[a] as number[])[b] as number) / (rows.length - 1);
      (c[a] as number[])[b] = v;
      (c[b] as number[])[a] = v;
    }
  }
  return c;
}

/** Inverse by Gauss-Jordan elimination with partial pivoting; throws on a singular matrix. */
export function invert(a: Matrix): Matrix {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs((m[r] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number)) pivot = r;
    const pv = (m[pivot] as number[])[col] as number;
    if (Math.abs(pv) < 1e-300) throw new Error('matrix is singular');
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const rowC = m[col] as number[];
    for (let j = 0; j < 2 * n; j++) rowC[j] = (rowC[j] as number) / pv;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const rowR = m[r] as number[];
      const f = rowR[col] as number;
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) rowR[j] = (rowR[j] as number) - f * (rowC[j] as number);
    }
  }
  return m.map((row) => row.slice(n));
}

/** Eigen-decomposition of a symmetric matrix (cyclic Jacobi): eigenvalues descending, eigenvectors as columns. */
export function symmetricEigen(a: Matrix): { values: number[]; vectors: Matrix } {
  const n = a.length;
  const s = a.map((r) => [...r]);
  const v: Matrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const at = (i: number, j: number): number => (s[i] as number[])[j] as number;
  const set = (m: Matrix, i: number, j: number, x: number): void => {
    (m[i] as number[])[j] = x;
  };
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += at(i, j) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(p, q);
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = at(k, p);
          const akq = at(k, q);
          set(s, k, p, c * akp - sn * akq);
          set(s, k, q, sn * akp + c * akq);
        }
        for (let k = 0; k < n; k++) {
          const apk = at(p, k);
          const aqk = at(q, k);
          set(s, p, k, c * apk - sn * aqk);
          set(s, q, k, sn * apk + c * aqk);
        }
        for (let k = 0; k < n; k++) {
          const vkp = (v[k] as number[])[p] as number;
          const vkq = (v[k] as number[])[q] as number;
          set(v, k, p, c * vkp - sn * vkq);
          set(v, k, q, sn * vkp + c * vkq);
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => at(y, y) - at(x, x));
  return {
    values: order.map((i) => at(i, i)),
    vectors: Array.from({ length: n }, (_, r) => order.map((i) => (v[r] as number[])[i] as number)),
  };
}
