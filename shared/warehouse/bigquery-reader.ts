import { createBigQueryClient, type BigQueryWarehouseOptions } from './bigquery.js';
import { classifyBigQueryError } from './bigquery-errors.js';
import type { WarehouseReader } from './read-port.js';
import { INFORMATIONAL_FLAGS, type Dialect, type Sql } from './read-sql.js';
import type { Table } from './schema/table.js';
import { SqlWarehouseReader, type Row } from './sql-reader.js';

export interface BigQueryReaderOptions extends BigQueryWarehouseOptions {
  /** Bytes a read query may bill; BigQuery fails a query that would scan more (KILOWATCH_API_MAX_BYTES_BILLED). */
  maximumBytesBilled: number;
  /** How long the client waits for a read query before failing it, in milliseconds. */
  timeoutMs: number;
}

const informational = INFORMATIONAL_FLAGS.map((f) => `'${f}'`).join(', ');

/** BigQuery's side of the read queries: tables are read directly and deduplicated after the partition filter. */
export function bigQueryDialect(projectId: string, dataset: string): Dialect {
  return {
    p: (name) => `@${name}`,
    ts: (name) => `TIMESTAMP(@${name})`,
    epochMs: (expr) => `UNIX_MILLIS(${expr})`,
    table: (table: Table) => `\`${projectId}.${dataset}.${table.name}\``,
    // Streaming inserts deduplicate on insertId only for about a minute: keep the first row of each key,
    // after the WHERE so that the partition filter prunes first.
    dedup: (table: Table) => `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${table.key} ORDER BY ${table.firstBy}) = 1`,
    marked: (flags) => `EXISTS(SELECT 1 FROM UNNEST(${flags}) AS f WHERE f NOT IN (${informational}))`,
    boolOr: (expr) => `LOGICAL_OR(${expr})`,
    quantile: (expr, q) => `APPROX_QUANTILES(${expr}, 100)[OFFSET(${Math.round(q * 100)})]`,
  };
}

/**
 * The read port on BigQuery through its client library (jobs.query): every query carries maximumBytesBilled
 * and a timeout, and every query filters on the partition column of each table it reads.
 */
export function bigQueryReader(options: BigQueryReaderOptions): WarehouseReader {
  const client = createBigQueryClient(options);
  const run = async ({ sql, params }: Sql, what: string): Promise<Row[]> => {
    try {
      const [rows] = await client.query(
        {
          query: sql,
          params,
          location: options.location,
          useLegacySql: false,
          maximumBytesBilled: String(options.maximumBytesBilled),
          labels: { kilowatch: 'api', query: what.toLowerCase() },
        },
        { timeoutMs: options.timeoutMs },
      );
      return rows as Row[];
    } catch (error) {
      throw classifyBigQueryError(error, `read query (${what})`);
    }
  };
  return new SqlWarehouseReader(bigQueryDialect(options.projectId, options.dataset), run);
}
