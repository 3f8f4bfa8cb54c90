import type { EvidenceReading } from './evidence.js';

/** A metric explained by another (its load): temperature by smoothed power, power by production, ... */
export interface ResidualModel {
  readonly metric: string;
  readonly against: string;
  /** Time constant of the exponential smoothing of `against` (thermal lag), minutes; 0: as read. */
  readonly smoothMinutes: number;
}

export interface ResidualParams {
  /** CUSUM allowance, in robust standard deviations of the baseline residual. */
  readonly cusumK: number;
  /** Standardised residuals are clipped to ±this: one wild value cannot make a trend. */
  readonly clipZ: number;
}

/** Flags that make a value no evidence of the machine's state; a stopped machine's zero load still is its load. */
const NOT_EVIDENCE = new Set(['missing', 'out_of_range', 'stuck', 'spike', 'inconsistent']);

const MINUTE = 60_000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The load series as the target feels it: exponentially smoothed over time (gaps decay it), by instant. */
function smoothed(points: ReadonlyArray<[number, number]>, tauMin: number): Map<number, number> {
  const out = new Map<number, number>();
  let level: number | undefined;
  let last = 0;
  for (const [t, v] of points) {
    const alpha = tauMin <= 0 || level === undefined ? 1 : 1 - Math.exp(-(t - last) / (tauMin * MINUTE));
    level = level === undefined ? v : level + alpha * (v - level);
    last = t;
    out.set(t, level);
  }
  return out;
}

/** Least squares y = a + b·x. */
function fit(pairs: ReadonlyArray<[number, number]>): { a: number; b: number } {
  const n = pairs.length;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of pairs) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

/**
 * The residual of one metric against its load model, fitted on the machine's own baseline window (least
 * squares, refitted without residuals beyond 4 robust standard deviations: past faults do not bend it), over
 * the recent window: the median standardised residual (a lasting offset) and the largest two-sided CUSUM
 * (an offset that builds up: a drift, an overheating, wear). Null when the baseline holds too few pairs.
 */
export function residualSignals(
  readings: readonly EvidenceReading[],
  model: ResidualModel,
  span: { baselineFrom: number; recentFrom: number; asOf: number; minBaseline: number },
  params: ResidualParams,
): { z: number | null; cusum: number | null } {
  const load: Array<[number, number]> = [];
  const target: Array<[number, number]> = [];
  for (const r of readings) {
    if (r.tsMs < span.baselineFrom || r.tsMs >= span.asOf || r.value === null) continue;
    if (r.flags.some((f) => NOT_EVIDENCE.has(f))) continue;
    if (r.metric === model.against) load.push([r.tsMs, r.value]);
    else if (r.metric === model.metric && !r.flags.includes('shutdown')) target.push([r.tsMs, r.value]);
  }
  load.sort((a, b) => a[0] - b[0]);
  target.sort((a, b) => a[0] - b[0]);
  const x = smoothed(load, model.smoothMinutes);
  const base: Array<[number, number]> = [];
  const recent: Array<[number, number]> = [];
  for (const [t, y] of target) {
    const xv = x.get(t);
    if (xv === undefined) continue;
    (t < span.recentFrom ? base : recent).push([xv, y]);
  }
  if (base.length < span.minBaseline || recent.length < 10) return { z: null, cusum: null };
  let line = fit(base);
  const spread = (pairs: ReadonlyArray<[number, number]>) => {
    const res = pairs.map(([xv, y]) => y - line.a - line.b * xv);
    const mid = median(res);
    return 1.4826 * median(res.map((r) => Math.abs(r - mid)));
  };
  const first = spread(base);
  line = fit(base.filter(([xv, y]) => Math.abs(y - line.a - line.b * xv) <= 4 * first));
  const scale = Math.max(spread(base), 1e-6 * Math.max(1, Math.abs(line.a)));
  const zs = recent.map(([xv, y]) =>
    Math.max(-params.clipZ, Math.min(params.clipZ, (y - line.a - line.b * xv) / scale)),
  );
  let up = 0;
  let down = 0;
  let cusum = 0;
  for (const z of zs) {
    up = Math.max(0, up + z - params.cusumK);
    down = Math.max(0, down - z - params.cusumK);
    cusum = Math.max(cusum, up, down);
  }
  return { z: median(zs), cusum };
}
