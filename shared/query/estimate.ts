import { estimateRows } from '../estimate/estimate.js';
import type { MeterRow } from '../estimate/features.js';
import type { QueryDeps } from './deps.js';
import { ModelNotFoundError, ModelTaskError } from '../models/errors.js';
import { invalid, notFound, overLimit } from './errors.js';

export const ESTIMATE_MAX_ROWS = 10_000;

export interface EstimateInputRow {
  readonly ts: string;
  readonly laggingKvarh: number | null;
  readonly laggingPf: number | null;
  readonly leadingKvarh: number | null;
  readonly leadingPf: number | null;
  readonly co2?: number | null;
}

export interface EstimateResult {
  readonly model: string;
  readonly modelVersion: string;
  readonly estimates: Array<{ ts: string; estimateKwh: number | null; status: 'ok' | 'inconsistent' | 'none' }>;
}

const nan = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);

/**
 * Energy of each interval from its electrical readings (the steel paper's /predict) with the champion
 * estimator: a batch of at most 10,000 rows, answered in order with the model version.
 */
export async function estimateBatch(
  deps: QueryDeps,
  input: { model: string; rows: EstimateInputRow[] },
): Promise<EstimateResult> {
  if (input.rows.length > ESTIMATE_MAX_ROWS) {
    throw overLimit('rows', `a batch may hold at most ${ESTIMATE_MAX_ROWS} rows, got ${input.rows.length}; split it`);
  }
  const stamps = input.rows.map((r, i) => {
    const ms = Date.parse(r.ts);
    if (Number.isNaN(ms))
      throw invalid(`rows.${i}.ts`, 'ts must be an RFC 3339 timestamp with an offset: the end of the interval');
    return ms;
  });
  const estimator = await deps.estimator(input.model).catch((error: unknown) => {
    if (error instanceof ModelNotFoundError)
      throw notFound('model', `no model ${JSON.stringify(input.model)}; GET /v1/models lists the models`);
    if (error instanceof ModelTaskError) throw invalid('model', error.message);
    throw error;
  });
  const meterRows: MeterRow[] = input.rows.map((r) => ({
    laggingKvarh: nan(r.laggingKvarh),
    laggingPf: nan(r.laggingPf),
    leadingKvarh: nan(r.leadingKvarh),
    leadingPf: nan(r.leadingPf),
    co2: nan(r.co2),
  }));
  const { estimates, status } = await estimateRows(estimator, meterRows, stamps);
  return {
    model: estimator.model.name,
    modelVersion: estimator.model.version,
    estimates: input.rows.map((r, i) => {
      const e = estimates[i] as number;
      return {
        ts: r.ts,
        estimateKwh: Number.isNaN(e) ? null : Math.round(e * 1e4) / 1e4,
        status: status[i] as 'ok' | 'inconsistent' | 'none',
      };
    }),
  };
}
