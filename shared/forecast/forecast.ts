import { writeFileSync } from 'node:fs';
import type { VerifiedModel } from '../models/runtime.js';
import { checkZone } from './calendar.js';
import { buildRawFeatures, layoutOf, normalise, normaliser } from './features.js';
import { readOrigins } from './origins.js';
import { forecastParamsOf, type ForecastParams } from './params.js';
import { regularSeries, type RegularSeries } from './series.js';
import { columnIndex, numbersOf, readCsvTable, timestampsOf, zoneUsed, type InputZone } from './table.js';

/** Model name of the demo plant's forecaster (champion in the registry, else models/steel-forecast). */
export const DEFAULT_FORECAST_MODEL = 'steel-forecast';
/** Origins per onnxruntime call. */
const BATCH = 512;

export interface Forecaster {
  readonly model: VerifiedModel;
  readonly params: ForecastParams;
  readonly norm: { center: Float64Array; scale: Float64Array };
}

export function forecasterOf(model: VerifiedModel): Forecaster {
  const params = forecastParamsOf(model.card);
  layoutOf(params.stepSeconds, params.horizon);
  return { model, params, norm: normaliser(model.card, params.horizon) };
}

/** Quantiles [origins, H, 3] for origin indices of a series on the model's grid, in batches. */
export async function forecastIndices(
  f: Forecaster,
  series: RegularSeries,
  origins: readonly number[],
): Promise<Float32Array> {
  const H = f.params.horizon;
  const out = new Float32Array(origins.length * H * 3);
  for (let s = 0; s < origins.length; s += BATCH) {
    const chunk = origins.slice(s, s + BATCH);
    const input = normalise(buildRawFeatures(series, f.params, chunk), f.norm);
    const result = await f.model.run({ features: input });
    const q = result.quantiles;
    if (!q || q.data.length !== chunk.length * H * 3) {
      throw new Error(
        `model ${f.model.name} ${f.model.version}: expected output 'quantiles' of ${chunk.length}x${H}x3 values`,
      );
    }
    out.set(q.data, s * H * 3);
  }
  return out;
}

/** Origin timestamps → indices on the series grid, each checked for alignment and history. */
export function originIndices(series: RegularSeries, originsMs: readonly number[], minHistorySteps: number): number[] {
  const stepMs = series.stepSeconds * 1000;
  const known = new Int32Array(series.values.length + 1);
  for (let i = 0; i < series.values.length; i++)
    known[i + 1] = (known[i] as number) + (Number.isNaN(series.values[i]) ? 0 : 1);
  return originsMs.map((ms) => {
    const iso = new Date(ms).toISOString();
    const off = ms - series.anchorMs;
    if (off % stepMs !== 0) {
      throw new Error(
        `origin ${iso} is not on the series grid (every ${series.stepSeconds} s from ${new Date(series.anchorMs).toISOString()})`,
      );
    }
    const io = off / stepMs;
    if (io < Math.max(1, minHistorySteps)) {
      throw new Error(
        `origin ${iso} has ${Math.max(0, io)} steps of history before it; the model needs ${minHistorySteps} (one week): start the origins later or give more history`,
      );
    }
    const from = Math.max(0, io - 7 * (86400 / series.stepSeconds));
    const to = Math.min(io, series.values.length);
    if (to <= from || (known[to] as number) - (known[from] as number) === 0) {
      throw new Error(`origin ${iso}: no reading in the week before it; give the history up to the origin`);
    }
    return io;
  });
}

export interface ForecastFileOptions {
  input: string;
  output: string;
  origins: string;
  horizon?: number;
  timestamp?: string;
  target?: string;
  /** Zone of timestamps without an offset in the input and origins files; such timestamps are refused without it. */
  zone?: InputZone;
}

export interface ForecastSummary {
  model: string;
  version: string;
  origins: number;
  rows: number;
  horizon: number;
  output: string;
  /** How the input's timestamps were read: 'offsets in the file' or '<zone> (<where the zone came from>)'. */
  timestamps: string;
  seconds: number;
}

function fmt(v: number): string {
  return String(Math.round(v * 1e4) / 1e4);
}

/** Reads the target column of a CSV onto the model's grid. */
export function readSeriesFor(
  params: ForecastParams,
  options: { input: string; timestamp?: string; target?: string; zone?: InputZone },
): RegularSeries & { timestamps: string } {
  const table = readCsvTable(options.input);
  const tsCol = columnIndex(table, options.timestamp ?? params.timestamp, '--timestamp');
  const yCol = columnIndex(table, options.target ?? params.target, '--target');
  if (options.zone) checkZone(options.zone.zone);
  const series = regularSeries(
    options.input,
    timestampsOf(table, tsCol, options.zone),
    numbersOf(table, yCol),
    params.stepSeconds,
  );
  return { ...series, timestamps: zoneUsed(table, tsCol, options.zone) };
}

/** `kilowatch forecast`: origin,target_ts,p10,p50,p90 for every origin, from the rows strictly before it. */
export async function forecastFile(model: VerifiedModel, options: ForecastFileOptions): Promise<ForecastSummary> {
  const started = performance.now();
  const f = forecasterOf(model);
  const H = options.horizon ?? f.params.horizon;
  if (!Number.isInteger(H) || H < 1 || H > f.params.horizon) {
    throw new Error(
      `--horizon ${options.horizon}: model ${model.name} ${model.version} forecasts 1 to ${f.params.horizon} steps of ${f.params.stepSeconds} s`,
    );
  }
  const series = readSeriesFor(f.params, options);
  const originsMs = readOrigins(options.origins, series, {
    zone: f.params.timezone,
    inputZone: options.zone?.zone,
    minHistorySteps: f.params.minHistorySteps,
  });
  if (originsMs.length === 0)
    throw new Error(`--origins daily: the input has no plant-local midnight with a week of history before it`);
  const origins = originIndices(series, originsMs, f.params.minHistorySteps);
  const q = await forecastIndices(f, series, origins);
  const stepMs = f.params.stepSeconds * 1000;
  const lines = ['origin,target_ts,p10,p50,p90'];
  origins.forEach((io, b) => {
    const originIso = new Date(originsMs[b] as number).toISOString();
    for (let k = 1; k <= H; k++) {
      const o = (b * f.params.horizon + (k - 1)) * 3;
      const target = new Date(series.anchorMs + (io + k) * stepMs).toISOString();
      lines.push(`${originIso},${target},${fmt(q[o] as number)},${fmt(q[o + 1] as number)},${fmt(q[o + 2] as number)}`);
    }
  });
  writeFileSync(options.output, `${lines.join('\n')}\n`);
  return {
    model: model.name,
    version: model.version,
    origins: origins.length,
    rows: origins.length * H,
    horizon: H,
    output: options.output,
    timestamps: series.timestamps,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
