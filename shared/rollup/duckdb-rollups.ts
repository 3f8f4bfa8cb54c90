import { duckDbDialect } from '../warehouse/duckdb-reader.js';
import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { rollupRuns, type RollupLevel, type RollupRunRow } from '../warehouse/schema/tables.js';
import type { RollupStore } from './port.js';
import { rollupMergeSql, type RollupDialect } from './rollup-sql.js';

/** DuckDB's roll-up dialect; `readingsSource` is readings_all when the local archive made one. */
export function duckDbRollupDialect(readingsSource: string): RollupDialect {
  return {
    ...duckDbDialect,
    readingsSource,
    // date_trunc on TIMESTAMPTZ follows the session's time zone: truncate the UTC wall time instead ('week' is ISO).
    trunc: (level, expr) => `(date_trunc('${level}', ${expr} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`,
    hashKey: (parts) => `sha256(${parts.join(' || chr(10) || ')})`,
    epochMicrosText: (expr) => `CAST(epoch_us(${expr}) AS VARCHAR)`,
  };
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as Date).toISOString());

/** Roll-ups in the embedded warehouse, over its readings and, once archived, the local Parquet archive too. */
export class DuckDbRollupStore implements RollupStore {
  constructor(private readonly warehouse: DuckDbWarehouse) {}

  private async readingsSource(): Promise<string> {
    const views = await this.warehouse.query(`SELECT 1 FROM duckdb_views() WHERE view_name = 'readings_all'`);
    return views.length > 0 ? 'readings_all' : 'readings';
  }

  async watermarks(): Promise<Partial<Record<RollupLevel, string>>> {
    const rows = await this.warehouse.query(
      `SELECT level, max(watermark) AS watermark FROM "${rollupRuns.name}" GROUP BY level`,
    );
    return Object.fromEntries(rows.map((r) => [String(r.level), iso(r.watermark)]));
  }

  async oldestReading(): Promise<string | null> {
    const rows = await this.warehouse.query(`SELECT min(ts) AS oldest FROM ${await this.readingsSource()}`);
    return iso(rows[0]?.oldest);
  }

  async merge(level: RollupLevel, range: { from: string; to: string }, computedAt: string): Promise<number> {
    const { sql, params } = rollupMergeSql(duckDbRollupDialect(await this.readingsSource()), level, range, computedAt);
    const rows = await this.warehouse.query(sql, params);
    return Number(rows[0]?.Count ?? 0);
  }

  recordRun(run: RollupRunRow): Promise<void> {
    return this.warehouse.insert(rollupRuns, [run]);
  }
}
