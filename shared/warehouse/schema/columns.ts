import { z } from 'zod';

/** Warehouse column types, named as BigQuery names them; DuckDB and OpenAPI types are mapped from these. */
export type ColumnType = 'STRING' | 'FLOAT64' | 'INT64' | 'BOOL' | 'TIMESTAMP' | 'JSON';
export type ColumnMode = 'REQUIRED' | 'NULLABLE' | 'REPEATED';

export interface Column<S extends z.ZodType = z.ZodType> {
  readonly type: ColumnType;
  readonly mode: ColumnMode;
  readonly description: string;
  readonly zod: S;
}

const isoTimestamp = z.iso.datetime({ offset: true });

function column<S extends z.ZodType>(type: ColumnType, mode: ColumnMode, description: string, zod: S): Column<S> {
  return { type, mode, description, zod };
}

/** Column builders: each carries the zod validator the row schema is assembled from. */
export const col = {
  string: (d: string) => column('STRING', 'REQUIRED', d, z.string()),
  float: (d: string) => column('FLOAT64', 'REQUIRED', d, z.number()),
  int: (d: string) => column('INT64', 'REQUIRED', d, z.number().int()),
  bool: (d: string) => column('BOOL', 'REQUIRED', d, z.boolean()),
  timestamp: (d: string) => column('TIMESTAMP', 'REQUIRED', d, isoTimestamp),
  json: (d: string) => column('JSON', 'REQUIRED', d, z.string()),
  enumOf: <const V extends readonly [string, ...string[]]>(values: V, d: string) =>
    column('STRING', 'REQUIRED', `${d} One of: ${values.join(', ')}.`, z.enum(values)),
  strings: (d: string) => column('STRING', 'REPEATED', d, z.array(z.string())),
};

/** The same column, allowed to be NULL. */
export function nullable<S extends z.ZodType>(c: Column<S>): Column<z.ZodNullable<S>> {
  return { ...c, mode: 'NULLABLE', zod: c.zod.nullable() };
}
