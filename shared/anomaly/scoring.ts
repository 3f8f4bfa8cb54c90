import { z } from 'zod';
import { driftChartModel, isolationForestModel, windowAt, type CardMeta, type DetectorKind } from './cards.js';
import { DriftLevel, fitDriftChart, FIXED_LEVEL } from './drift-chart.js';
import { trainIsolationForest } from './iforest/library.js';
import { inMemoryModel } from './session.js';
import { StreamingDetector } from './stream/detector.js';
import { featureRow, STREAM_FEATURES, STREAM_INPUT, STREAM_OUTPUT } from './stream/head.js';
import { rowsOf, type SeriesTable } from './table.js';

/** The parts of a model (verified folder, or fitted in memory) that scoring needs. */
export interface DetectorModel {
  readonly card: {
    readonly name: string;
    readonly version: string;
    readonly threshold?: number | undefined;
    readonly features: readonly { readonly name: string }[];
    readonly params?: Record<string, unknown> | undefined;
  };
  run(
    inputs: Record<string, { data: Float32Array | Float64Array; dims: readonly number[] }>,
  ): Promise<Record<string, { data: ArrayLike<number> }>>;
}

export interface ScoredRows {
  /** First output row (the rows before it were fit rows). */
  readonly startRow: number;
  /** One score per output row, in [0, 1]. */
  readonly scores: Float64Array;
  readonly flags: Uint8Array;
  readonly threshold: number;
  readonly model: { name: string; version: string; kind: DetectorKind; fittedOnRows?: number; columns: string[] };
}

const likelihoodSchema = z.object({
  learningPeriod: z.number().int().nonnegative(),
  estimationSamples: z.number().int().positive(),
  historicWindowSize: z.number().int().positive(),
  reestimationPeriod: z.number().int().positive(),
  averagingWindow: z.number().int().positive(),
});
const streamSchema = z.object({
  detector: z.literal('stream-univariate'),
  resolutions: z.array(z.number().int().positive()).min(1),
  orders: z.array(z.number().int().positive()).min(1),
  neighbourCredit: z.number().min(0).max(1),
  spatialTolerance: z.number().nonnegative(),
  likelihood: likelihoodSchema,
  shortHistoricWindowSize: z.number().int().nonnegative(),
  quietAfter: z.number().min(0).max(1),
  quietRows: z.number().int().nonnegative(),
});
const driftSchema = z.object({
  detector: z.literal('drift-chart'),
  tau: z.number().int().positive(),
  alarmTail: z.number().gt(0).lt(1),
  // Absent in version 1 cards: the fitted level stays fixed.
  baselineGap: z.number().int().nonnegative().default(FIXED_LEVEL.baselineGap),
  baselineRows: z.number().int().nonnegative().default(FIXED_LEVEL.baselineRows),
  holdRows: z.number().int().nonnegative().default(FIXED_LEVEL.holdRows),
  fit: z.object({ mean: z.array(z.number()) }).optional(),
});
const forestSchema = z.object({
  detector: z.literal('isolation-forest'),
  trees: z.number().int().positive(),
  subsample: z.number().int().positive(),
  seed: z.number().int(),
  fitThresholdQuantile: z.number().gt(0).max(1),
});
const paramsSchema = z.discriminatedUnion('detector', [streamSchema, driftSchema, forestSchema]);

export function detectorParams(model: DetectorModel): z.infer<typeof paramsSchema> {
  const parsed = paramsSchema.safeParse(model.card.params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `model ${model.card.name} ${model.card.version} is not an anomaly detector this command runs: card params.${issue?.path.join('.') || 'detector'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** Missing values carry the last known value forward (leading gaps take the first known one) so a gap never alarms. */
export function fillGaps(rows: number[][], columns: readonly string[], path: string): number[][] {
  const m = columns.length;
  for (let j = 0; j < m; j++) {
    const first = rows.findIndex((r) => Number.isFinite(r[j]));
    if (first < 0) throw new Error(`${path}: column '${columns[j]}' has no numeric value at all; drop it or fill it`);
    let last = (rows[first] as number[])[j] as number;
    for (const r of rows) {
      if (Number.isFinite(r[j])) last = r[j] as number;
      else r[j] = last;
    }
  }
  return rows;
}

const BATCH_ROWS = 4096;

function thresholdOf(model: DetectorModel): number {
  if (model.card.threshold === undefined)
    throw new Error(`model ${model.card.name} ${model.card.version}: card has no threshold`);
  return model.card.threshold;
}

type ModelInputs = Parameters<DetectorModel['run']>[0];

/** Runs the model over output rows [0, count) in batches; `inputs(first, rows)` builds one batch's tensors. */
async function batchScores(
  model: DetectorModel,
  count: number,
  output: string,
  inputs: (first: number, rows: number) => ModelInputs,
): Promise<Float64Array> {
  const scores = new Float64Array(count);
  for (let first = 0; first < count; first += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, count - first);
    const s = ((await model.run(inputs(first, rows)))[output] as { data: ArrayLike<number> }).data;
    for (let i = 0; i < rows; i++) scores[first + i] = s[i] as number;
  }
  return scores;
}

function scoredRows(
  model: DetectorModel,
  kind: DetectorKind,
  columns: string[],
  startRow: number,
  scores: Float64Array,
  fittedOnRows = 0,
): ScoredRows {
  const threshold = thresholdOf(model);
  return {
    startRow,
    scores,
    flags: Uint8Array.from(scores, (s) => (s >= threshold ? 1 : 0)),
    threshold,
    model: {
      name: model.card.name,
      version: model.card.version,
      kind,
      columns,
      ...(fittedOnRows ? { fittedOnRows } : {}),
    },
  };
}

function fitMeta(kind: string, table: SeriesTable, fitRows: number, base: DetectorModel): CardMeta {
  return {
    name: `${base.card.name}-fit`.slice(0, 64),
    version: 'fit',
    description: `${kind} fitted at detect time on the first ${fitRows} rows of ${table.path}`,
    training: {
      data: table.path,
      from: table.timestamps[0] ?? '',
      to: table.timestamps[fitRows - 1] ?? '',
      rows: fitRows,
    },
    metrics: { primary: 'none', higherIsBetter: false, values: {} },
    codeVersion: 'detect --fit-rows',
    createdAt: new Date().toISOString(),
  };
}

/**
 * Scores a table with a detector, row by row in file order; a row's score depends only on the rows before it
 * and the model. With fitRows > 0 the first fitRows rows fit the detector (multivariate kinds refit with the
 * card's hyper-parameters on the file's columns; the streaming detector warms up on them) and are not output.
 */
export async function scoreTable(
  table: SeriesTable,
  model: DetectorModel,
  options: { fitRows?: number } = {},
): Promise<ScoredRows> {
  const params = detectorParams(model);
  const n = table.timestamps.length;
  const fitRows = options.fitRows ?? 0;
  if (fitRows < 0 || fitRows >= n)
    throw new Error(
      `--fit-rows ${fitRows}: the file has ${n} rows; fit on fewer rows than that so some are left to score`,
    );
  if (params.detector === 'stream-univariate') return scoreStream(table, model, params, fitRows);
  if (params.detector === 'drift-chart') return scoreDrift(table, model, params, fitRows);
  return scoreForest(table, model, params, fitRows);
}

async function scoreStream(
  table: SeriesTable,
  model: DetectorModel,
  params: z.infer<typeof streamSchema>,
  fitRows: number,
): Promise<ScoredRows> {
  if (table.columns.length !== 1) {
    throw new Error(
      `${table.path}: model ${model.card.name} scores one series but the file has ${table.columns.length} sensor columns (${table.columns.join(', ')}); ` +
        'pass a multivariate model with --model, or a file with one value column',
    );
  }
  const values = table.values[0] as Float64Array;
  const detector = new StreamingDetector(params);
  const n = values.length;
  const features = new Float64Array((n - fitRows) * STREAM_FEATURES.length);
  const missing = new Uint8Array(n - fitRows);
  for (let i = 0; i < n; i++) {
    const f = detector.step(values[i] as number);
    if (i < fitRows) continue;
    features.set(featureRow(f), (i - fitRows) * STREAM_FEATURES.length);
    if (!Number.isFinite(values[i])) missing[i - fitRows] = 1;
  }
  const width = STREAM_FEATURES.length;
  const scores = await batchScores(model, n - fitRows, STREAM_OUTPUT, (first, rows) => ({
    [STREAM_INPUT]: { data: features.subarray(first * width, (first + rows) * width), dims: [rows, width] },
  }));
  // A missing value scores 0: the detector left its state alone.
  missing.forEach((gap, i) => gap && (scores[i] = 0));
  return scoredRows(model, 'stream-univariate', [...table.columns], fitRows, scores);
}

function modelColumns(table: SeriesTable, model: DetectorModel): string[] {
  const wanted = model.card.features.map((f) => f.name);
  const missing = wanted.filter((c) => !table.columns.includes(c));
  if (missing.length) {
    throw new Error(
      `${table.path}: model ${model.card.name} ${model.card.version} scores columns ${wanted.join(', ')} but the file lacks ${missing.join(', ')} ` +
        `(it has ${table.columns.join(', ')}); pass --fit-rows N to fit the detector on the file's first N rows, or --model one trained on these columns`,
    );
  }
  return wanted;
}

/** A model built in memory at detect time, shaped like a verified one. */
async function fitted(built: { onnx: Uint8Array; card: DetectorModel['card'] }): Promise<DetectorModel> {
  const session = await inMemoryModel(built.onnx);
  return { card: built.card, run: (inputs) => session.run(inputs) };
}

async function scoreDrift(
  table: SeriesTable,
  base: DetectorModel,
  params: z.infer<typeof driftSchema>,
  fitRows: number,
): Promise<ScoredRows> {
  if (fitRows === 0) {
    const columns = modelColumns(table, base);
    if (params.baselineGap > 0 && params.fit?.mean.length !== columns.length)
      throw new Error(
        `model ${base.card.name} ${base.card.version}: card params.fit.mean must hold one level per column`,
      );
    const rows = fillGaps(rowsOf(table, columns), columns, table.path);
    return runDrift(base, columns, rows, 0, params, params.fit?.mean ?? []);
  }
  const columns = [...table.columns];
  const rows = fillGaps(rowsOf(table, columns), columns, table.path);
  const fit = fitDriftChart(columns, rows.slice(0, fitRows), params);
  const model = await fitted(
    driftChartModel(fit, params, fitMeta('drift chart', table, fitRows, base), [
      windowAt(rows, fitRows - 1, params.tau),
    ]),
  );
  return runDrift(model, columns, rows, fitRows, params, fit.mean);
}

/**
 * Scores rows [fitRows, n) on their trailing τ-row windows. With an adaptive level, each window is shifted by
 * (level − fitted level) so the graph, which holds the fitted level, compares it with the current one; rows are
 * then scored baselineGap at a time, since a row's level depends on the flags of the rows baselineGap back.
 */
async function runDrift(
  model: DetectorModel,
  columns: string[],
  rows: number[][],
  fitRows: number,
  params: z.infer<typeof driftSchema>,
  fittedLevel: readonly number[],
): Promise<ScoredRows> {
  const { tau } = params;
  const m = columns.length;
  const threshold = thresholdOf(model);
  const level = params.baselineGap > 0 ? new DriftLevel(fittedLevel, params, rows, fitRows) : null;
  const count = rows.length - fitRows;
  const scores = new Float64Array(count);
  const step = level ? Math.min(BATCH_ROWS, params.baselineGap) : BATCH_ROWS;
  for (let first = 0; first < count; first += step) {
    const part = await batchScores(model, Math.min(step, count - first), 'score', (offset, rowsInBatch) => {
      const data = new Float32Array(rowsInBatch * tau * m);
      for (let i = 0; i < rowsInBatch; i++) {
        const end = fitRows + first + offset + i;
        const shift = level ? level.levelAt(end).map((l, j) => l - (fittedLevel[j] as number)) : null;
        for (let k = 0; k < tau; k++) {
          const row = rows[Math.max(0, end - tau + 1 + k)] as number[];
          data.set(shift ? row.map((v, j) => v - (shift[j] as number)) : row, (i * tau + k) * m);
        }
      }
      return { window: { data, dims: [rowsInBatch, tau, m] } };
    });
    scores.set(part, first);
    if (level) part.forEach((s, i) => level.flag(fitRows + first + i, s >= threshold));
  }
  return scoredRows(model, 'drift-chart', columns, fitRows, scores, fitRows);
}

async function scoreForest(
  table: SeriesTable,
  base: DetectorModel,
  params: z.infer<typeof forestSchema>,
  fitRows: number,
): Promise<ScoredRows> {
  let model = base;
  let columns: string[];
  let rows: number[][];
  if (fitRows > 0) {
    columns = [...table.columns];
    rows = fillGaps(rowsOf(table, columns), columns, table.path);
    const fitPart = rows.slice(0, fitRows).map((r) => r.map(Math.fround));
    const forest = trainIsolationForest(fitPart, {
      trees: params.trees,
      subsample: params.subsample,
      seed: params.seed,
    });
    const fitScores = forest.predict(fitPart).sort((a, b) => a - b);
    const threshold = fitScores[
      Math.min(fitScores.length - 1, Math.floor(params.fitThresholdQuantile * fitScores.length))
    ] as number;
    model = await fitted(
      isolationForestModel(
        forest,
        columns,
        threshold,
        params,
        fitMeta('Isolation Forest', table, fitRows, base),
        fitPart.slice(0, 4),
      ),
    );
  } else {
    columns = modelColumns(table, base);
    rows = fillGaps(rowsOf(table, columns), columns, table.path);
  }
  const m = columns.length;
  const scores = await batchScores(model, rows.length - fitRows, 'score', (first, count) => {
    const data = new Float32Array(count * m);
    for (let i = 0; i < count; i++) data.set(rows[fitRows + first + i] as number[], i * m);
    return { x: { data, dims: [count, m] } };
  });
  return scoredRows(model, 'isolation-forest', columns, fitRows, scores, fitRows);
}
