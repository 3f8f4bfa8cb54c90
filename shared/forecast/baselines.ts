import { buildRawFeatures, layoutOf, ORIGIN_FEATURES, STEP_FEATURES } from './features.js';
import type { ForecastParams } from './params.js';
import type { RegularSeries } from './series.js';

/**
 * Baselines of the evaluation harness, each a function (series, origin indices) → p50 [origins × H] using only
 * indices < origin. The seasonal naive forecast h steps after the last observation (index io-1) is
 * y[io-1+h-m(floor((h-1)/m)+1)]: the same step one season back, two seasons when one season back is not yet known.
 */
export function seasonalNaive(series: RegularSeries, origins: readonly number[], H: number, lag: number): Float64Array {
  const out = new Float64Array(origins.length * H);
  origins.forEach((io, b) => {
    for (let k = 1; k <= H; k++) {
      const idx = io + k - lag * (Math.floor(k / lag) + 1);
      out[b * H + k - 1] = idx >= 0 && idx < series.values.length ? (series.values[idx] as number) : Number.NaN;
    }
  });
  return out;
}

/** Mean of the same step on the last four same weekdays (lags of 1..4 weeks). */
export function meanOfLastFourWeeks(series: RegularSeries, origins: readonly number[], H: number): Float64Array {
  const W = (7 * 86400) / series.stepSeconds;
  const out = new Float64Array(origins.length * H);
  origins.forEach((io, b) => {
    for (let k = 1; k <= H; k++) {
      let s = 0;
      let n = 0;
      for (let j = 1; j <= 4; j++) {
        const idx = io + k - W * (Math.floor(k / W) + j);
        const v = idx >= 0 ? (series.values[idx] as number) : Number.NaN;
        if (!Number.isNaN(v)) {
          s += v;
          n++;
        }
      }
      out[b * H + k - 1] = n ? s / n : Number.NaN;
    }
  });
  return out;
}

/** Solves (A + lambda I) x = b for a symmetric positive definite A (Cholesky), A row-major n×n. */
function solveRidge(A: Float64Array, b: Float64Array, n: number, lambda: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (A[i * n + j] as number) + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= (L[i * n + k] as number) * (L[j * n + k] as number);
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / (L[j * n + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (L[i * n + k] as number) * (y[k] as number);
    y[i] = s / (L[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (L[k * n + i] as number) * (x[k] as number);
    x[i] = s / (L[i * n + i] as number);
  }
  return x;
}

export interface RidgeBaseline {
  /** p10, p50, p90 [origins × H] each. */
  predict(
    series: RegularSeries,
    origins: readonly number[],
  ): { p10: Float64Array; p50: Float64Array; p90: Float64Array };
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * The lag/calendar baseline: ridge regression of each step's value on the forecaster's per-step features (lags of
 * one day and one to four weeks, their mean and median, holiday flags, time of day, day of week, horizon) and
 * origin features (recent level), fitted on training origins; its 80 % interval adds the 10th and 90th percentiles of
 * its training residuals.
 */
export function fitRidgeBaseline(
  series: RegularSeries,
  params: ForecastParams,
  trainOrigins: readonly number[],
  lambda = 1,
): RidgeBaseline {
  const { H } = layoutOf(params.stepSeconds, params.horizon);
  const Ps = STEP_FEATURES.length;
  const G = ORIGIN_FEATURES.length;
  const n = Ps + G + 1;
  const rows = (m: ReturnType<typeof buildRawFeatures>, b: number, k: number, x: Float64Array) => {
    const base = b * m.width;
    for (let j = 0; j < Ps; j++) x[j] = m.raw[base + (k - 1) * Ps + j] as number;
    for (let j = 0; j < G; j++) x[Ps + j] = m.raw[base + H * Ps + j] as number;
    x[n - 1] = 1;
  };
  // Standardise columns so one lambda fits all.
  const m = buildRawFeatures(series, params, trainOrigins);
  const x = new Float64Array(n);
  const mean = new Float64Array(n);
  const sq = new Float64Array(n);
  let count = 0;
  for (let b = 0; b < trainOrigins.length; b++) {
    for (let k = 1; k <= H; k++) {
      rows(m, b, k, x);
      for (let j = 0; j < n; j++) {
        mean[j] = (mean[j] as number) + (x[j] as number);
        sq[j] = (sq[j] as number) + (x[j] as number) ** 2;
      }
      count++;
    }
  }
  const sd = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    mean[j] = (mean[j] as number) / count;
    sd[j] = Math.sqrt(Math.max((sq[j] as number) / count - (mean[j] as number) ** 2, 0)) || 1;
  }
  mean[n - 1] = 0;
  sd[n - 1] = 1;
  const A = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  const z = new Float64Array(n);
  const standard = (src: Float64Array) => {
    for (let j = 0; j < n; j++) z[j] = ((src[j] as number) - (mean[j] as number)) / (sd[j] as number);
  };
  for (let b = 0; b < trainOrigins.length; b++) {
    for (let k = 1; k <= H; k++) {
      const y = series.values[(trainOrigins[b] as number) + k] as number;
      if (Number.isNaN(y)) continue;
      rows(m, b, k, x);
      standard(x);
      for (let i = 0; i < n; i++) {
        rhs[i] = (rhs[i] as number) + (z[i] as number) * y;
        for (let j = 0; j < n; j++) A[i * n + j] = (A[i * n + j] as number) + (z[i] as number) * (z[j] as number);
      }
    }
  }
  const w = solveRidge(A, rhs, n, lambda);
  const point = (mm: ReturnType<typeof buildRawFeatures>, b: number, k: number) => {
    rows(mm, b, k, x);
    standard(x);
    let s = 0;
    for (let j = 0; j < n; j++) s += (w[j] as number) * (z[j] as number);
    return s;
  };
  const residuals: number[] = [];
  for (let b = 0; b < trainOrigins.length; b++) {
    for (let k = 1; k <= H; k++) {
      const y = series.values[(trainOrigins[b] as number) + k] as number;
      if (!Number.isNaN(y)) residuals.push(y - point(m, b, k));
    }
  }
  const sorted = Float64Array.from(residuals).sort();
  const r10 = quantile(sorted, 0.1);
  const r90 = quantile(sorted, 0.9);
  return {
    predict(s, origins) {
      const mm = buildRawFeatures(s, params, origins);
      const p10 = new Float64Array(origins.length * H);
      const p50 = new Float64Array(origins.length * H);
      const p90 = new Float64Array(origins.length * H);
      for (let b = 0; b < origins.length; b++) {
        for (let k = 1; k <= H; k++) {
          const p = point(mm, b, k);
          const o = b * H + k - 1;
          p50[o] = p;
          p10[o] = p + r10;
          p90[o] = p + r90;
        }
      }
      return { p10, p50, p90 };
    },
  };
}
