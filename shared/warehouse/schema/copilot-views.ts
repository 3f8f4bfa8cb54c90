import { dedupViewName } from './ddl.js';
import type { Table } from './table.js';
import { alerts, anomalyScores, copilotCalls, devices, forecasts, readings, rejected } from './tables.js';

/**
 * What the copilot's guarded SQL may read: views over the deduplicated tables with the columns a question
 * about the plant needs. Raw payloads and message ids stay out (they carry device-controlled text and ids).
 */
export interface CopilotView {
  readonly name: `copilot_${string}`;
  readonly table: Table;
  readonly columns: readonly string[];
}

const view = (name: `copilot_${string}`, table: Table, columns: readonly string[]): CopilotView => ({
  name,
  table,
  columns,
});

export const COPILOT_VIEWS: readonly CopilotView[] = [
  view('copilot_readings', readings, ['device_id', 'ts', 'metric', 'value', 'unit', 'status', 'flags', 'ingested_at']),
  view('copilot_rejected', rejected, ['device_id', 'ts', 'metric', 'reason', 'detail', 'received_at']),
  view('copilot_devices', devices, ['device_id', 'site', 'type', 'timezone', 'updated_at']),
  view('copilot_anomaly_scores', anomalyScores, [
    'device_id',
    'ts',
    'metric',
    'model',
    'model_version',
    'signal',
    'score',
    'threshold',
    'is_anomaly',
  ]),
  view('copilot_forecasts', forecasts, [
    'device_id',
    'metric',
    'issued_at',
    'origin',
    'target_ts',
    'p10',
    'p50',
    'p90',
    'model',
    'model_version',
  ]),
  view('copilot_alerts', alerts, ['device_id', 'ts', 'metric', 'kind', 'severity', 'message', 'score', 'created_at']),
  view('copilot_usage', copilotCalls, [
    'request_id',
    'kind',
    'name',
    'started_at',
    'latency_ms',
    'tokens_in',
    'tokens_out',
    'tool_calls',
    'error',
    'estimated_cost_usd',
  ]),
];

export const COPILOT_VIEW_NAMES: ReadonlySet<string> = new Set(COPILOT_VIEWS.map((v) => v.name));

/**
 * The view's query, valid in BigQuery and DuckDB, over `source`: BigQuery's `<table>_dedup` view (insertId
 * deduplication is best effort), DuckDB's table itself (its inserts skip known keys).
 */
export function copilotViewSql(v: CopilotView, source: (table: Table) => string): string {
  return `SELECT ${v.columns.join(', ')} FROM ${source(v.table)}`;
}

/** BigQuery's source of a view: the deduplicated view in the dataset. */
export function bigQueryViewSource(project: string, dataset: string): (table: Table) => string {
  return (table) => `\`${project}.${dataset}.${dedupViewName(table)}\``;
}
