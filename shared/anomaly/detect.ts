import { writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { resolveModel } from '../models/runtime.js';
import { scoreTable, type DetectorModel, type ScoredRows } from './scoring.js';
import { readSeriesCsv, type SeriesTable } from './table.js';

/** The streaming detector: the default for a single series (NAB's shape, a meter, a forecast residual). */
export const DEFAULT_UNIVARIATE = 'stream-univariate';
/**
 * Multivariate defaults, best first (docs/models.md, "Anomaly detectors"): the drift chart for steady-state
 * sensor sets (it is also what --fit-rows refits), the Isolation Forest for the simulated machines' metrics.
 */
export const MULTIVARIATE_DEFAULTS = ['drift-chart-pump', 'iforest-machine'] as const;

export interface DetectOptions {
  input: string;
  output: string;
  /** A model folder or name; without it the default for the input's shape. */
  model?: string;
  fitRows?: number;
  /** The timestamp column when it is not timestamp, datetime or ts. */
  timestamp?: string;
}

export interface DetectSummary {
  input: string;
  output: string;
  model: ScoredRows['model'];
  rows: number;
  scoredRows: number;
  anomalies: number;
  threshold: number;
  seconds: number;
  /** Set when the output looks like a model/data mismatch rather than anomalies. */
  warning?: string;
}

async function load(ref: string): Promise<DetectorModel> {
  return resolveModel(ref);
}

/** The model a file is scored with when none is named. */
export async function defaultModelFor(table: SeriesTable, fitRows: number): Promise<DetectorModel> {
  if (table.columns.length === 1) return load(DEFAULT_UNIVARIATE);
  if (fitRows > 0) return load(MULTIVARIATE_DEFAULTS[0]);
  const tried: string[] = [];
  for (const name of MULTIVARIATE_DEFAULTS) {
    const model = await load(name);
    const wanted = model.card.features.map((f) => f.name);
    if (wanted.every((c) => table.columns.includes(c))) return model;
    tried.push(`${name} (${wanted.join(', ')})`);
  }
  throw new Error(
    `${table.path}: no default model scores columns ${table.columns.join(', ')}; the defaults take ${tried.join('; ')}. ` +
      'Pass --fit-rows N to fit the drift chart on the first N rows of the file, or --model a model trained on these columns',
  );
}

export async function detectFile(options: DetectOptions): Promise<DetectSummary> {
  const started = performance.now();
  const table = readSeriesCsv(options.input, options.timestamp);
  if (table.timestamps.length === 0) throw new Error(`${options.input}: no data rows under the header`);
  const fitRows = options.fitRows ?? 0;
  const model = options.model ? await load(options.model) : await defaultModelFor(table, fitRows);
  const scored = await scoreTable(table, model, { fitRows });
  const records: (string | number)[][] = [];
  for (let i = 0; i < scored.scores.length; i++) {
    records.push([
      table.timestamps[scored.startRow + i] as string,
      Number((scored.scores[i] as number).toPrecision(9)),
      scored.flags[i] as number,
    ]);
  }
  writeFileSync(
    options.output,
    stringify(records, { header: true, columns: ['timestamp', 'anomaly_score', 'is_anomaly'] }),
  );
  const anomalies = scored.flags.reduce((a, b) => a + b, 0);
  const warning =
    anomalies > 0.5 * scored.scores.length
      ? `${anomalies} of ${scored.scores.length} rows are anomalous for ${scored.model.name}: the file's operating state differs from the model's training data; ` +
        'fit on the file itself with --fit-rows N (N rows of normal operation)'
      : undefined;
  return {
    input: options.input,
    output: options.output,
    model: scored.model,
    rows: table.timestamps.length,
    scoredRows: scored.scores.length,
    anomalies,
    threshold: scored.threshold,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    ...(warning ? { warning } : {}),
  };
}
