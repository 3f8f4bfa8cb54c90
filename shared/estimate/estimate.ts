import { writeFileSync } from 'node:fs';
import { checkZone } from '../forecast/calendar.js';
import {
  columnIndex,
  numbersOf,
  readCsvTable,
  timestampsOf,
  zoneUsed,
  type CsvTable,
  type InputZone,
} from '../forecast/table.js';
import type { VerifiedModel } from '../models/runtime.js';
import { buildEstimateFeatures, ESTIMATE_FEATURES, type FeasibleStatus, type MeterRow } from './features.js';
import { estimateParamsOf, type EstimateParams } from './params.js';

/** Model name of the demo plant's estimator (champion in the registry, else models/steel-estimate). */
export const DEFAULT_ESTIMATE_MODEL = 'steel-estimate';
const BATCH = 8192;

export interface Estimator {
  readonly model: VerifiedModel;
  readonly params: EstimateParams;
  readonly center: Float64Array;
  readonly scale: Float64Array;
}

export function estimatorOf(model: VerifiedModel): Estimator {
  const params = estimateParamsOf(model.card);
  const names = model.card.features.map((f) => f.name);
  if (names.join(',') !== ESTIMATE_FEATURES.join(',')) {
    throw new Error(
      `model ${model.name} ${model.version}: its features (${names.join(', ')}) are not the ones this code builds (${ESTIMATE_FEATURES.join(', ')})`,
    );
  }
  return {
    model,
    params,
    center: Float64Array.from(model.card.features, (f) => f.center),
    scale: Float64Array.from(model.card.features, (f) => f.scale),
  };
}

/** The model input for raw features: (raw - center) / scale, float32. */
export function normaliseEstimate(e: Estimator, raw: Float64Array): Float32Array {
  const F = ESTIMATE_FEATURES.length;
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = i % F;
    out[i] = ((raw[i] as number) - (e.center[c] as number)) / (e.scale[c] as number);
  }
  return out;
}

/** Estimates of rows (NaN where no electrical reading or CO2 was given), in batches. */
export async function estimateRows(
  e: Estimator,
  rows: readonly MeterRow[],
  stampsMs: ArrayLike<number>,
): Promise<{ estimates: Float32Array; status: FeasibleStatus[] }> {
  const { raw, status } = buildEstimateFeatures(rows, stampsMs, e.params);
  const input = normaliseEstimate(e, raw);
  const F = ESTIMATE_FEATURES.length;
  const estimates = new Float32Array(rows.length);
  for (let s = 0; s < rows.length; s += BATCH) {
    const n = Math.min(BATCH, rows.length - s);
    const out = await e.model.run({ features: input.subarray(s * F, (s + n) * F) });
    const y = out.estimate;
    if (!y || y.data.length !== n)
      throw new Error(`model ${e.model.name} ${e.model.version}: expected output 'estimate' of ${n} values`);
    estimates.set(y.data, s);
  }
  status.forEach((st, i) => {
    if (st === 'none') estimates[i] = Number.NaN;
  });
  return { estimates, status };
}

export interface EstimateFileOptions {
  input: string;
  output: string;
  timestamp?: string;
  /** Zone of timestamps without an offset; such timestamps are refused without it. */
  zone?: InputZone;
  /** Input column names where they differ from the model card's (the warehouse's metric names). */
  columns?: Partial<EstimateParams['columns']>;
}

export interface EstimateSummary {
  model: string;
  version: string;
  rows: number;
  estimated: number;
  /** Rows without any usable electrical reading or CO2: written with an empty estimate. */
  withoutReadings: number;
  /** Rows whose two sides contradict each other: estimated by the physics formula alone. */
  inconsistent: number;
  output: string;
  /** How the input's timestamps were read: 'offsets in the file' or '<zone> (<where the zone came from>)'. */
  timestamps: string;
  seconds: number;
}

/** The option of `kilowatch estimate` (and `train estimate`) that names each input column. */
export const ESTIMATE_COLUMN_FLAGS = {
  lagging_kvarh: '--lagging-kvarh',
  lagging_pf: '--lagging-pf',
  leading_kvarh: '--leading-kvarh',
  leading_pf: '--leading-pf',
  co2: '--co2',
} as const;

export function meterRowsOf(table: CsvTable, p: EstimateParams): MeterRow[] {
  const col = (key: keyof typeof ESTIMATE_COLUMN_FLAGS, required: boolean) => {
    const i = table.header.indexOf(p.columns[key]);
    if (i < 0 && required) columnIndex(table, p.columns[key], ESTIMATE_COLUMN_FLAGS[key]);
    return i < 0 ? undefined : numbersOf(table, i);
  };
  const lagQ = col('lagging_kvarh', true) as Float64Array;
  const lagPf = col('lagging_pf', true) as Float64Array;
  const leadQ = col('leading_kvarh', true) as Float64Array;
  const leadPf = col('leading_pf', true) as Float64Array;
  const co2 = col('co2', false);
  return table.rows.map((_, i) => ({
    laggingKvarh: lagQ[i] as number,
    laggingPf: lagPf[i] as number,
    leadingKvarh: leadQ[i] as number,
    leadingPf: leadPf[i] as number,
    co2: co2 ? (co2[i] as number) : Number.NaN,
  }));
}

function fmt(v: number): string {
  return Number.isNaN(v) ? '' : String(Math.round(v * 1e4) / 1e4);
}

/** `kilowatch estimate`: ts,estimate for every row of the input, in input order. */
export async function estimateFile(model: VerifiedModel, options: EstimateFileOptions): Promise<EstimateSummary> {
  const started = performance.now();
  const e = estimatorOf(model);
  const table = readCsvTable(options.input);
  if (options.zone) checkZone(options.zone.zone);
  const tsCol = columnIndex(table, options.timestamp ?? e.params.timestamp, '--timestamp');
  const stamps = timestampsOf(table, tsCol, options.zone);
  const rows = meterRowsOf(table, { ...e.params, columns: { ...e.params.columns, ...options.columns } });
  const { estimates, status } = await estimateRows(e, rows, stamps);
  const lines = ['ts,estimate'];
  for (let i = 0; i < rows.length; i++)
    lines.push(`${new Date(stamps[i] as number).toISOString()},${fmt(estimates[i] as number)}`);
  writeFileSync(options.output, `${lines.join('\n')}\n`);
  const withoutReadings = status.filter((s) => s === 'none').length;
  return {
    model: model.name,
    version: model.version,
    rows: rows.length,
    estimated: rows.length - withoutReadings,
    withoutReadings,
    inconsistent: status.filter((s) => s === 'inconsistent').length,
    output: options.output,
    timestamps: zoneUsed(table, tsCol, options.zone),
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
