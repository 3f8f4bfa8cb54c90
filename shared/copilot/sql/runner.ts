import type { StatementRefs } from './refusal.js';

/** What a guarded query returned: JSON-safe rows, and bytes processed by the dry run where the warehouse has one. */
export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Record<string, unknown>>;
  readonly bytes: number | null;
}

/**
 * Where guarded SQL runs: a read-only DuckDB connection locally, BigQuery under a read-only identity in the
 * cloud. `refs` is the dialect's parser; `run` is given only statements the guard let through.
 */
export interface SqlRunner {
  readonly dialect: 'duckdb' | 'bigquery';
  refs(sql: string): Promise<StatementRefs> | StatementRefs;
  run(sql: string): Promise<SqlResult>;
}

/** A value as JSON can carry it: big integers as numbers, times as ISO text, lists as arrays. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const v = value as { value?: unknown; toISOString?: () => string; items?: unknown[] };
    if (typeof v.toISOString === 'function') return v.toISOString();
    if (Array.isArray(v.items)) return v.items.map(jsonSafe);
    if ('value' in v && Object.keys(v).length === 1) return jsonSafe(v.value);
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, jsonSafe(x)]));
  }
  return value;
}
