import { z } from 'zod';
import type { Column } from './columns.js';

export type Columns = Record<string, Column>;

export interface TableSpec<C extends Columns> {
  readonly name: string;
  readonly description: string;
  readonly columns: C;
  /** Column whose value makes a row unique; writes are idempotent on it. */
  readonly key: keyof C & string;
  /** TIMESTAMP column the table is partitioned on, by day. */
  readonly partitionBy: keyof C & string;
  /** True when the key is derived from the partition column, so a row's duplicates share its partition. */
  readonly keyFixesPartition: boolean;
  readonly clusterBy: ReadonlyArray<keyof C & string>;
  /** Column that orders duplicates of one key in the deduplicated view: the first one wins. */
  readonly firstBy: keyof C & string;
}

export interface Table<C extends Columns = Columns> extends TableSpec<C> {
  readonly row: z.ZodObject<{ [K in keyof C]: C[K]['zod'] }>;
}

export type RowOf<T extends Table> = z.infer<T['row']>;

export function defineTable<C extends Columns>(spec: TableSpec<C>): Table<C> {
  const shape = Object.fromEntries(Object.entries(spec.columns).map(([name, c]) => [name, c.zod])) as {
    [K in keyof C]: C[K]['zod'];
  };
  return { ...spec, row: z.strictObject(shape) };
}
