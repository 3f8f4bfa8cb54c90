import type { Column } from './schema/columns.js';
import type { RowOf, Table } from './schema/table.js';

/** One tabledata.insertAll row: `insertId` lets BigQuery drop a redelivered row (best effort, about a minute). */
export interface InsertAllRow {
  insertId: string;
  json: Record<string, unknown>;
}

/** BigQuery's documented maximum is 10 MB per request and 500 rows is the recommended batch. */
export const MAX_ROWS_PER_REQUEST = 500;
export const MAX_BYTES_PER_REQUEST = 5 * 1024 * 1024;

/** Splits rows into insertAll requests of at most `maxRows` rows and about `maxBytes` of JSON each. */
export function chunkInsertRows(
  rows: readonly InsertAllRow[],
  maxRows = MAX_ROWS_PER_REQUEST,
  maxBytes = MAX_BYTES_PER_REQUEST,
): InsertAllRow[][] {
  const chunks: InsertAllRow[][] = [];
  let current: InsertAllRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    // +1 for the comma between rows; a single oversized row still travels alone and BigQuery names it.
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (current.length > 0 && (current.length >= maxRows || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The insertAll rows of a table: insertId is the row's key, json the row as is (ISO timestamps, arrays). */
export function toInsertRows<T extends Table>(table: T, rows: ReadonlyArray<RowOf<T>>): InsertAllRow[] {
  return rows.map((row) => {
    const json = row as Record<string, unknown>;
    const key = json[table.key];
    if (typeof key !== 'string' || key.length === 0) {
      throw new Error(`${table.name}: row without ${table.key}; every row needs its key to be written idempotently`);
    }
    return { insertId: key, json };
  });
}

function isoOf(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  // BigQueryTimestamp (and the other BigQuery value wrappers) keep the text in `.value`.
  const text = value && typeof value === 'object' && 'value' in value ? value.value : value;
  // BigQuery keeps microseconds; the client prints nanoseconds (".123456000Z") when the micros are not zero.
  return typeof text === 'string' ? text.replace(/(\.\d{6})0{3}Z$/, '$1Z') : text;
}

function scalarFromBigQuery(c: Column, value: unknown): unknown {
  switch (c.type) {
    case 'TIMESTAMP':
      return isoOf(value);
    case 'FLOAT64':
    case 'INT64':
      // Numbers already; BigQueryInt (wrapIntegers) and numeric strings become numbers.
      return typeof value === 'number' ? value : Number(value);
    case 'BOOL':
      return typeof value === 'boolean' ? value : String(value).toLowerCase() === 'true';
    case 'JSON':
      // The client parses JSON columns only when asked to; our rows keep them as text.
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'STRING':
      return value;
  }
}

/** A query result row (as @google-cloud/bigquery returns it) in the table's row shape, not yet validated. */
export function bigQueryRowValues(table: Table, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(table.columns)) {
    const value = raw[name];
    if (c.mode === 'REPEATED') {
      out[name] = Array.isArray(value) ? value.map((v) => scalarFromBigQuery(c, v)) : [];
    } else {
      out[name] = value === null || value === undefined ? null : scalarFromBigQuery(c, value);
    }
  }
  return out;
}

/**
 * A query result row back in the table's row shape, validated by the table's zod schema: timestamps as
 * ISO strings with Z, REPEATED columns as arrays, numbers as numbers.
 */
export function fromBigQueryRow<T extends Table>(table: T, raw: Record<string, unknown>): RowOf<T> {
  const parsed = table.row.safeParse(bigQueryRowValues(table, raw));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${table.name}: a row read from BigQuery does not match the table schema (${issues})`);
  }
  return parsed.data as RowOf<T>;
}
