import type { VerifiedModel } from '../models/runtime.js';
import { layoutOf } from './features.js';
import { forecasterOf, forecastIndices } from './forecast.js';
import type { RegularSeries } from './series.js';

export interface ForecastPoint {
  targetMs: number;
  p10: number;
  p50: number;
  p90: number;
}

/** Readings of the forecast model's series, as a serving function has them (any order, gaps allowed). */
export interface SeriesReading {
  tsMs: number;
  value: number | null;
}

/** Steps of history the features reach back from an origin (four weekly lags of the last step, plus a week). */
export function historyStepsNeeded(model: VerifiedModel): number {
  const f = forecasterOf(model);
  const L = layoutOf(f.params.stepSeconds, f.params.horizon);
  return L.W * (Math.floor(L.H / L.W) + 4) + L.D;
}

/**
 * One forecast at `originMs` for a serving function (forecast-tick): readings stamped before the origin on its
 * grid are used, everything else is ignored. Give it `historyStepsNeeded(model)` steps of readings before the
 * origin: then the result equals `kilowatch forecast` on the whole history, except where a missing reading is
 * filled from one older than that window.
 */
export async function forecastAt(
  model: VerifiedModel,
  readings: readonly SeriesReading[],
  originMs: number,
): Promise<ForecastPoint[]> {
  const f = forecasterOf(model);
  const stepMs = f.params.stepSeconds * 1000;
  const n = historyStepsNeeded(model);
  const anchorMs = originMs - n * stepMs;
  const values = new Float64Array(n).fill(Number.NaN);
  let known = 0;
  for (const r of readings) {
    const off = r.tsMs - anchorMs;
    if (off < 0 || r.tsMs >= originMs || off % stepMs !== 0 || r.value === null || !Number.isFinite(r.value)) continue;
    values[off / stepMs] = r.value;
    known++;
  }
  if (known === 0)
    throw new Error(
      `no reading on the model's ${f.params.stepSeconds} s grid before the origin ${new Date(originMs).toISOString()}`,
    );
  // The earliest reading is the anchor of `kilowatch forecast`; here the grid starts n steps back and leading
  // missing values count as the training mean, which the features also use before a series starts.
  const series: RegularSeries = { anchorMs, stepSeconds: f.params.stepSeconds, values };
  const q = await forecastIndices(f, series, [n]);
  return Array.from({ length: f.params.horizon }, (_, k) => ({
    targetMs: originMs + (k + 1) * stepMs,
    p10: q[k * 3] as number,
    p50: q[k * 3 + 1] as number,
    p90: q[k * 3 + 2] as number,
  }));
}
