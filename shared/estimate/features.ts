import { calendarAt } from '../forecast/calendar.js';
import { estimateEnergy } from '../readings/clean/energy-meter.js';
import type { EstimateParams } from './params.js';

/**
 * Estimator features, value for value those of training/kwtrain/estimate_features.py.
 *
 * Meters report energy u, reactive energy Q and power factor rounded to a few decimals, and each side's power
 * factor is computed from the reported u and Q: PF = 100 u / sqrt(u^2 + Q^2), rounded. Each side thus confines u to
 * an interval (u = Q PF / sqrt(100^2 - PF^2) over the rounding box of Q and PF); CO2 (u times an emission factor,
 * rounded) to another. Their intersection snapped to the grid of the reported energy is the feasible set
 * [feasible_lo, feasible_hi]; the model puts a learned prior over it and returns the posterior mean.
 */
export const ESTIMATE_FEATURES = [
  'feasible_lo',
  'feasible_hi',
  'lagging_kvarh',
  'leading_kvarh',
  'co2',
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
] as const;

const EPS = 1e-9;
const TWO_PI = 2 * Math.PI;

export interface MeterRow {
  laggingKvarh: number;
  laggingPf: number;
  leadingKvarh: number;
  leadingPf: number;
  /** NaN when not reported. */
  co2: number;
}

/** 'inconsistent': the sides contradict each other (a faulty reading): the physics formula alone is used. */
export type FeasibleStatus = 'ok' | 'inconsistent' | 'none';

function g(q: number, p: number): number {
  return p >= 100 ? Infinity : (q * p) / Math.sqrt((100 - p) * (100 + p));
}

function sideInterval(q: number, pf: number, qTol: number, pfTol: number): [number, number] | undefined {
  if (Number.isNaN(q) || Number.isNaN(pf) || q < 0 || pf < 0 || pf > 100) return undefined;
  const pflo = Math.max(pf - pfTol - EPS, 0);
  const pfhi = Math.min(pf + pfTol + EPS, 100);
  return [g(Math.max(q - qTol, 0), pflo), g(q + qTol, pfhi)];
}

/** The physics formula of the cleaning step (better-conditioned side), NaN when neither side is usable. */
export function physicsEstimate(r: MeterRow): number {
  const nul = (v: number) => (Number.isNaN(v) ? null : v);
  const e = estimateEnergy({
    laggingKvarh: nul(r.laggingKvarh),
    laggingPf: nul(r.laggingPf),
    leadingKvarh: nul(r.leadingKvarh),
    leadingPf: nul(r.leadingPf),
  });
  return e ? e.kwh : Number.NaN;
}

export function feasibleSet(r: MeterRow, p: EstimateParams): { lo: number; hi: number; status: FeasibleStatus } {
  const sides = [
    sideInterval(r.laggingKvarh, r.laggingPf, p.qTol, p.pfTol),
    sideInterval(r.leadingKvarh, r.leadingPf, p.qTol, p.pfTol),
  ].filter((s): s is [number, number] => s !== undefined);
  const haveCo2 = p.emissionFactor !== null && !Number.isNaN(r.co2) && r.co2 >= 0;
  let status: FeasibleStatus = 'ok';
  let lo: number;
  let hi: number;
  if (sides.length > 0) {
    lo = Math.max(...sides.map((s) => s[0]));
    hi = Math.min(...sides.map((s) => s[1]));
    if (lo > hi) {
      status = 'inconsistent';
      const ph = physicsEstimate(r);
      lo = hi = Math.min(Number.isNaN(ph) ? lo : ph, p.cap);
    }
  } else if (haveCo2) {
    lo = 0;
    hi = Infinity;
  } else {
    return { lo: 0, hi: p.cap, status: 'none' };
  }
  if (haveCo2 && status === 'ok') {
    const ef = p.emissionFactor as number;
    const clo = Math.max(r.co2 - p.co2Tol, 0) / ef;
    const chi = (r.co2 + p.co2Tol) / ef;
    if (Math.max(lo, clo) <= Math.min(hi, chi)) {
      lo = Math.max(lo, clo);
      hi = Math.min(hi, chi);
    }
  }
  hi = Math.min(hi, p.cap);
  if (lo > hi) hi = lo;
  const res = p.resolution;
  const klo = Math.ceil(lo / res - 1e-6);
  const khi = Math.floor(hi / res + 1e-6);
  if (klo <= khi) return { lo: klo * res, hi: khi * res, status };
  const mid = roundHalfEven((lo + hi) / 2 / res) * res;
  return { lo: mid, hi: mid, status };
}

/** Python's round(): halves to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Raw features [rows, 16] and each row's status. */
export function buildEstimateFeatures(
  rows: readonly MeterRow[],
  stampsMs: ArrayLike<number>,
  p: EstimateParams,
): { raw: Float64Array; status: FeasibleStatus[] } {
  const F = ESTIMATE_FEATURES.length;
  const raw = new Float64Array(rows.length * F);
  const status = new Array<FeasibleStatus>(rows.length);
  const cal = calendarAt(stampsMs, p.stepSeconds, p.timezone, p.intervalLabel, new Set());
  const c = p.contextCenters;
  rows.forEach((r, i) => {
    const o = i * F;
    const fs = feasibleSet(r, p);
    status[i] = fs.status;
    raw[o] = fs.lo;
    raw[o + 1] = fs.hi;
    raw[o + 2] = Number.isNaN(r.laggingKvarh) ? c.lagging_kvarh : r.laggingKvarh;
    raw[o + 3] = Number.isNaN(r.leadingKvarh) ? c.leading_kvarh : r.leadingKvarh;
    raw[o + 4] = Number.isNaN(r.co2) ? c.co2 : r.co2;
    const tt = cal.tod[i] as number;
    const a1 = TWO_PI * tt;
    const a2 = 2 * TWO_PI * tt;
    raw[o + 5] = Math.sin(a1);
    raw[o + 6] = Math.cos(a1);
    raw[o + 7] = Math.sin(a2);
    raw[o + 8] = Math.cos(a2);
    const dw = cal.dow[i] as number;
    for (let d = 0; d < 7; d++) raw[o + 9 + d] = dw === d ? 1 : 0;
  });
  return { raw, status };
}
