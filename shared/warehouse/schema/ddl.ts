import type { Column, ColumnType } from './columns.js';
import type { Table } from './table.js';

const DUCKDB_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  FLOAT64: 'DOUBLE',
  INT64: 'BIGINT',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  JSON: 'VARCHAR',
};

function duckdbColumn(name: string, c: Column): string {
  const base = DUCKDB_TYPES[c.type];
  if (c.mode === 'REPEATED') return `"${name}" ${base}[] NOT NULL`;
  return `"${name}" ${base}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`;
}

/**
 * CREATE TABLE for the embedded warehouse. No primary key, as in BigQuery: an ART index on random keys
 * would cost more than the whole rest of ingest; writes skip existing keys with an anti-join instead.
 */
export function duckdbCreateTable(table: Table): string {
  const cols = Object.entries(table.columns).map(([n, c]) => `  ${duckdbColumn(n, c)}`);
  return `CREATE TABLE IF NOT EXISTS "${table.name}" (\n${cols.join(',\n')}\n)`;
}

/**
 * Schema evolution of the embedded warehouse: a file created before a NULLABLE column existed gains it
 * (NULL in its old rows). Only NULLABLE columns can be added this way, as in BigQuery; run after the CREATE.
 */
export function duckdbAddNullableColumns(table: Table): string[] {
  return Object.entries(table.columns)
    .filter(([, c]) => c.mode === 'NULLABLE')
    .map(([n, c]) => `ALTER TABLE "${table.name}" ADD COLUMN IF NOT EXISTS ${duckdbColumn(n, c)}`);
}

export interface BigQueryField {
  name: string;
  type: Exclude<ColumnType, 'BOOL'> | 'BOOLEAN';
  mode: Column['mode'];
  description: string;
}

/** BigQuery table schema fields, in the REST API's TableFieldSchema shape. */
export function bigQueryFields(table: Table): BigQueryField[] {
  return Object.entries(table.columns).map(([name, c]) => ({
    name,
    type: c.type === 'BOOL' ? 'BOOLEAN' : c.type,
    mode: c.mode,
    description: c.description,
  }));
}

/** The view that keeps the first row of each key: BigQuery's insertId deduplication is best effort only. */
export function dedupViewSql(table: Table, qualifiedTable: string): string {
  // Valid in BigQuery and DuckDB alike (BigQuery wants a WHERE next to QUALIFY).
  return (
    `SELECT * FROM ${qualifiedTable} WHERE TRUE ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${table.key} ORDER BY ${table.firstBy}) = 1`
  );
}

export function dedupViewName(table: Table): string {
  return `${table.name}_dedup`;
}
