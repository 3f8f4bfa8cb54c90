import { bigQueryDialect } from '../warehouse/bigquery-reader.js';
import type { BigQueryWarehouse } from '../warehouse/bigquery.js';
import { oldestReadingsPartition } from '../warehouse/bigquery-partitions.js';
import { readings, rollupRuns, type RollupLevel, type RollupRunRow } from '../warehouse/schema/tables.js';
import type { RollupStore } from './port.js';
import { rollupMergeSql, type RollupDialect } from './rollup-sql.js';

const TRUNC: Record<RollupLevel, string> = { hour: 'HOUR', day: 'DAY', week: 'ISOWEEK', month: 'MONTH' };

export function bigQueryRollupDialect(projectId: string, dataset: string): RollupDialect {
  const d = bigQueryDialect(projectId, dataset);
  return {
    ...d,
    readingsSource: d.table(readings),
    trunc: (level, expr) => `TIMESTAMP_TRUNC(${expr}, ${TRUNC[level]}, 'UTC')`,
    hashKey: (parts) => `TO_HEX(SHA256(CONCAT(${parts.join(", '\\n', ")})))`,
    epochMicrosText: (expr) => `CAST(UNIX_MICROS(${expr}) AS STRING)`,
  };
}

/** A BigQuery TIMESTAMP as the client returns it ({ value }) or as ISO text. */
function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = typeof v === 'object' && 'value' in v ? v.value : v;
  return new Date(text as string).toISOString();
}

/**
 * Roll-ups in BigQuery: MERGE jobs over the raw `readings` table (deduplicated after the partition filter) and the
 * roll-up tables.
 */
export class BigQueryRollupStore implements RollupStore {
  private readonly dialect: RollupDialect;

  constructor(
    private readonly warehouse: BigQueryWarehouse,
    private readonly dataset: { projectId: string; dataset: string },
  ) {
    this.dialect = bigQueryRollupDialect(dataset.projectId, dataset.dataset);
  }

  async watermarks(): Promise<Partial<Record<RollupLevel, string>>> {
    const rows = await this.warehouse.select(
      `SELECT level, MAX(watermark) AS watermark FROM ${this.warehouse.qualified(rollupRuns.name)} GROUP BY level`,
      {},
      'rollup watermarks',
    );
    return Object.fromEntries(rows.map((r) => [String(r.level), iso(r.watermark)]));
  }

  oldestReading(): Promise<string | null> {
    return oldestReadingsPartition(this.warehouse);
  }

  async merge(level: RollupLevel, range: { from: string; to: string }, computedAt: string): Promise<number> {
    const { sql, params } = rollupMergeSql(this.dialect, level, range, computedAt);
    return this.warehouse.execute(sql, params, `rollup ${level}`);
  }

  recordRun(run: RollupRunRow): Promise<void> {
    return this.warehouse.insert(rollupRuns, [run]);
  }
}
