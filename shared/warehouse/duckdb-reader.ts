import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDbWarehouse } from './duckdb.js';
import type { WarehouseReader } from './read-port.js';
import { INFORMATIONAL_FLAGS, type Dialect, type Sql } from './read-sql.js';
import { SqlWarehouseReader, type Row } from './sql-reader.js';

const informational = INFORMATIONAL_FLAGS.map((f) => `'${f}'`).join(', ');

/** DuckDB's side of the read queries. Its tables hold one row per key (inserts skip known keys): no dedup. */
export const duckDbDialect: Dialect = {
  p: (name) => `$${name}`,
  ts: (name) => `$${name}::TIMESTAMPTZ`,
  epochMs: (expr) => `epoch_ms(${expr})`,
  table: (table) => `"${table.name}"`,
  dedup: () => '',
  marked: (flags) => `len(list_filter(${flags}, lambda f: f NOT IN (${informational}))) > 0`,
  boolOr: (expr) => `bool_or(${expr})`,
  quantile: (expr, q) => `quantile_cont(${expr}, ${q})`,
};

/**
 * A few connections on the warehouse's own DuckDB instance, each running one query at a time: reads go on
 * in parallel with each other and with the writer's connection, and see what it has committed.
 */
class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: Array<(c: DuckDBConnection) => void> = [];

  constructor(connections: DuckDBConnection[]) {
    this.idle = connections;
  }

  async use<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection =
      this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(connection);
    } finally {
      const next = this.waiting.shift();
      if (next) next(connection);
      else this.idle.push(connection);
    }
  }
}

/** The read port on the embedded warehouse; `connections` queries run at once (the file's threads are shared). */
export async function duckDbReader(warehouse: DuckDbWarehouse, connections = 2): Promise<WarehouseReader> {
  const pool = new ConnectionPool(
    await Promise.all(Array.from({ length: connections }, () => warehouse.connectReader())),
  );
  const run = ({ sql, params }: Sql): Promise<Row[]> =>
    pool.use(async (c) => (await c.runAndReadAll(sql, params)).getRowObjectsJS() as Row[]);
  return new SqlWarehouseReader(duckDbDialect, run);
}
