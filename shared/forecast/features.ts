import type { ModelCard } from '../models/card.js';
import { calendarAt, holidayDays } from './calendar.js';
import type { ForecastParams } from './params.js';
import type { RegularSeries } from './series.js';

/**
 * Forecast features at an origin, value for value those of training/kwtrain/forecast_features.py (the parity test
 * runs both on the same rows). A forecast at origin index io (timestamp anchor + io * step) uses only indices
 * < io, the readings stamped strictly before the origin, and predicts indices io+1 .. io+H.
 *
 * Missing readings are filled in time order: the value a week earlier, else a day earlier, else the previous
 * value, else the training mean; indices before the first reading count as the training mean.
 */
export const STEP_FEATURES = [
  'lag_day',
  'lag_week_1',
  'lag_week_2',
  'lag_week_3',
  'lag_week_4',
  'week_mean',
  'week_median',
  'hol_lag_day',
  'hol_lag_week_1',
  'hol_lag_week_2',
  'hol_lag_week_3',
  'hol_lag_week_4',
  'tod_sin1',
  'tod_cos1',
  'tod_sin2',
  'tod_cos2',
  'dow_0',
  'dow_1',
  'dow_2',
  'dow_3',
  'dow_4',
  'dow_5',
  'dow_6',
  'holiday',
  'horizon_frac',
] as const;
export const ORIGIN_FEATURES = ['last', 'mean_4h', 'mean_1d', 'mean_7d', 'day_change'] as const;

const TWO_PI = 2 * Math.PI;

export interface Layout {
  readonly stepSeconds: number;
  /** Steps per day and per week. */
  readonly D: number;
  readonly W: number;
  readonly H: number;
  readonly n4h: number;
  readonly pad: number;
}

export function layoutOf(stepSeconds: number, horizon: number): Layout {
  if (86400 % stepSeconds !== 0) throw new Error(`the frequency (${stepSeconds} s) must divide a day`);
  const D = 86400 / stepSeconds;
  const W = 7 * D;
  if (!(horizon >= 1 && horizon <= W))
    throw new Error(`horizon must be between 1 and one week (${W} steps at this frequency)`);
  // Python's round() rounds halves to even; 4 h is a whole number of steps for every step that divides a day in
  // whole minutes, and a tie otherwise only at 16 s-like steps: handle it the same way.
  const q = (4 * 3600) / stepSeconds;
  const r = Math.round(q);
  const n4h = Math.max(1, Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : r);
  return { stepSeconds, D, W, H: horizon, n4h, pad: 5 * W + D + 1 };
}

/** Filled copy of the series up to `length` (week before, day before, previous value, else center). */
export function fillSeries(values: Float64Array, length: number, D: number, W: number, center: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const x = i < values.length ? (values[i] as number) : Number.NaN;
    if (!Number.isNaN(x)) out[i] = x;
    else if (i >= W) out[i] = out[i - W] as number;
    else if (i >= D) out[i] = out[i - D] as number;
    else if (i >= 1) out[i] = out[i - 1] as number;
    else out[i] = center;
  }
  return out;
}

export interface FeatureMatrix {
  /** Origins × (H * step features + origin features), raw (unnormalised), row-major. */
  readonly raw: Float64Array;
  readonly rows: number;
  readonly width: number;
}

/** Raw features of origin indices (each >= 1), in the model's input layout. */
export function buildRawFeatures(
  series: RegularSeries,
  params: ForecastParams,
  origins: readonly number[],
): FeatureMatrix {
  const L = layoutOf(params.stepSeconds, params.horizon);
  const { D, W, H, pad: P } = L;
  const Ps = STEP_FEATURES.length;
  const G = ORIGIN_FEATURES.length;
  if (params.stepFeatures !== Ps || params.originFeatures !== G) {
    throw new Error(
      `the model expects ${params.stepFeatures} step and ${params.originFeatures} origin features; this code builds ${Ps} and ${G}: update kilowatch or retrain`,
    );
  }
  const width = H * Ps + G;
  const B = origins.length;
  const raw = new Float64Array(B * width);
  if (B === 0) return { raw, rows: 0, width };
  let maxIo = 0;
  let minIo = Infinity;
  for (const io of origins) {
    if (!Number.isInteger(io) || io < 1) throw new Error(`origin index ${io} must be a whole number >= 1`);
    maxIo = Math.max(maxIo, io);
    minIo = Math.min(minIo, io);
  }
  const filled = fillSeries(series.values, maxIo, D, W, params.center);
  const padded = new Float64Array(P + maxIo).fill(params.center);
  padded.set(filled, P);
  const csum = new Float64Array(padded.length + 1);
  for (let i = 0; i < padded.length; i++) csum[i + 1] = (csum[i] as number) + (padded[i] as number);

  // Calendar of every index any origin touches: the oldest weekly lag to the last target.
  const lo = minIo + 1 - W * (Math.floor(H / W) + 4);
  const hi = maxIo + H;
  const stamps = new Float64Array(hi - lo + 1);
  const stepMs = params.stepSeconds * 1000;
  for (let i = 0; i < stamps.length; i++) stamps[i] = series.anchorMs + (lo + i) * stepMs;
  const cal = calendarAt(
    stamps,
    params.stepSeconds,
    params.timezone,
    params.intervalLabel,
    holidayDays(params.holidays),
  );
  const holidayAt = (i: number) => cal.holiday[i - lo] as number;

  const weeks = [0, 0, 0, 0];
  const sorted = [0, 0, 0, 0];
  for (let b = 0; b < B; b++) {
    const io = origins[b] as number;
    const base = b * width;
    for (let k = 1; k <= H; k++) {
      const t = io + k;
      const o = base + (k - 1) * Ps;
      const iDay = t - D * (Math.floor(k / D) + 1);
      raw[o] = padded[iDay + P] as number;
      for (let j = 1; j <= 4; j++) {
        const iw = t - W * (Math.floor(k / W) + j);
        const v = padded[iw + P] as number;
        weeks[j - 1] = v;
        raw[o + j] = v;
        raw[o + 7 + j] = holidayAt(iw);
      }
      raw[o + 5] = (weeks[0]! + weeks[1]! + weeks[2]! + weeks[3]!) / 4;
      for (let j = 0; j < 4; j++) sorted[j] = weeks[j]!;
      sorted.sort((x, y) => x - y);
      raw[o + 6] = (sorted[1]! + sorted[2]!) / 2;
      raw[o + 7] = holidayAt(iDay);
      const tt = cal.tod[t - lo] as number;
      const a1 = TWO_PI * tt;
      const a2 = 2 * TWO_PI * tt;
      raw[o + 12] = Math.sin(a1);
      raw[o + 13] = Math.cos(a1);
      raw[o + 14] = Math.sin(a2);
      raw[o + 15] = Math.cos(a2);
      const dw = cal.dow[t - lo] as number;
      for (let d = 0; d < 7; d++) raw[o + 16 + d] = dw === d ? 1 : 0;
      raw[o + 23] = holidayAt(t);
      raw[o + 24] = k / H;
    }
    const g = base + H * Ps;
    const mean = (n: number) => ((csum[io + P] as number) - (csum[io - n + P] as number)) / n;
    const m1 = mean(D);
    const prev = ((csum[io - W + P] as number) - (csum[io - W - D + P] as number)) / D;
    raw[g] = padded[io - 1 + P] as number;
    raw[g + 1] = mean(L.n4h);
    raw[g + 2] = m1;
    raw[g + 3] = mean(W);
    raw[g + 4] = m1 - prev;
  }
  return { raw, rows: B, width };
}

/** Centers and scales per input column, from the card's features (step features repeat for every k). */
export function normaliser(card: ModelCard, H: number): { center: Float64Array; scale: Float64Array } {
  const Ps = STEP_FEATURES.length;
  const G = ORIGIN_FEATURES.length;
  const names = card.features.map((f) => f.name);
  const expected = [...STEP_FEATURES.map((n) => `step.${n}`), ...ORIGIN_FEATURES.map((n) => `origin.${n}`)];
  if (names.join(',') !== expected.join(',')) {
    throw new Error(
      `model ${card.name} ${card.version}: its features (${names.join(', ')}) are not the ones this code builds (${expected.join(', ')})`,
    );
  }
  const width = H * Ps + G;
  const center = new Float64Array(width);
  const scale = new Float64Array(width);
  for (let c = 0; c < width; c++) {
    const f = c < H * Ps ? card.features[c % Ps]! : card.features[Ps + (c - H * Ps)]!;
    center[c] = f.center;
    scale[c] = f.scale;
  }
  return { center, scale };
}

/** The model input: (raw - center) / scale in float64, then float32. */
export function normalise(m: FeatureMatrix, norm: { center: Float64Array; scale: Float64Array }): Float32Array {
  const out = new Float32Array(m.raw.length);
  const w = m.width;
  for (let i = 0; i < m.raw.length; i++) {
    const c = i % w;
    out[i] = ((m.raw[i] as number) - (norm.center[c] as number)) / (norm.scale[c] as number);
  }
  return out;
}
