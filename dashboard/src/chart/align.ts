import type { ForecastPoint, SeriesPoint } from '../api-types.js';

/** Flags that say nothing about the data's quality: not marked on the chart. */
const BENIGN_FLAGS = new Set(['unit_converted']);

/** Readings and a forecast on one time axis (uPlot's aligned columns), with what to mark where. */
export interface AlignedSeries {
  /** Epoch seconds, ascending, each once. */
  readonly x: number[];
  readonly value: (number | null)[];
  readonly p10: (number | null)[];
  readonly p90: (number | null)[];
  readonly p50: (number | null)[];
  /** The reading's value where it is anomalous, else null: drawn as markers. */
  readonly anomaly: (number | null)[];
  /** Cleaning flags per time (empty where none or no reading). */
  readonly flags: (readonly string[])[];
}

/** Merges the readings and the forecast, both oldest first, on the union of their times. */
export function alignSeries(points: readonly SeriesPoint[], forecast: readonly ForecastPoint[]): AlignedSeries {
  const out: AlignedSeries = { x: [], value: [], p10: [], p90: [], p50: [], anomaly: [], flags: [] };
  let i = 0;
  let j = 0;
  while (i < points.length || j < forecast.length) {
    const p = points[i];
    const f = forecast[j];
    const pt = p ? Date.parse(p.ts) / 1000 : Infinity;
    const ft = f ? Date.parse(f.targetTs) / 1000 : Infinity;
    const t = Math.min(pt, ft);
    const reading = pt === t ? p : undefined;
    const fc = ft === t ? f : undefined;
    out.x.push(t);
    out.value.push(reading?.value ?? null);
    out.anomaly.push(reading?.isAnomaly ? reading.value : null);
    out.flags.push(reading ? reading.flags.filter((flag) => !BENIGN_FLAGS.has(flag)) : []);
    out.p10.push(fc?.p10 ?? null);
    out.p90.push(fc?.p90 ?? null);
    out.p50.push(fc?.p50 ?? null);
    if (reading) i++;
    if (fc) j++;
  }
  return out;
}
