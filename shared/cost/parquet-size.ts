import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalArchive } from '../archive/local-archive.js';
import { loadSteel, STEEL_DEVICE_ID } from '../demo/steel.js';
import { readingId } from '../readings/ids.js';
import { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { readings, type ReadingRow } from '../warehouse/schema/tables.js';

/** BigQuery's logical size of a row: STRING 2 + UTF-8 bytes, FLOAT64/INT64/TIMESTAMP 8, BOOL 1, NULL 0, arrays summed. */
export function logicalBytes(row: ReadingRow): number {
  let bytes = 0;
  for (const [name, column] of Object.entries(readings.columns)) {
    const value = row[name as keyof ReadingRow];
    const values = Array.isArray(value) ? value : value === null ? [] : [value];
    for (const v of values)
      bytes +=
        column.type === 'STRING' || column.type === 'JSON'
          ? 2 + Buffer.byteLength(String(v))
          : column.type === 'BOOL'
            ? 1
            : 8;
  }
  return bytes;
}

/** The steel year as stored readings (6 metrics every 15 minutes), one Pub/Sub-like message id per reading. */
function steelReadings(): ReadingRow[] {
  return loadSteel().flatMap((r, i) =>
    Object.entries(r.metrics).map(([metric, value]) => ({
      reading_id: readingId(STEEL_DEVICE_ID, r.tsMs, metric),
      device_id: STEEL_DEVICE_ID,
      ts: new Date(r.tsMs).toISOString(),
      metric,
      value,
      unit: 'kWh',
      original_value: null,
      original_unit: null,
      status: 'accepted' as const,
      flags: [],
      message_id: String(10_000_000_000_000 + i * 7919),
      seq: i,
      ingested_at: new Date(r.tsMs + 1234 + (i % 997)).toISOString(),
    })),
  );
}

/** Archives the steel year with the local archive (DuckDB Parquet, Snappy) and measures bytes per row in both forms. */
export async function measureParquetSize(): Promise<{ rows: number; logicalPerRow: number; parquetPerRow: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-parquet-size-'));
  const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  try {
    await warehouse.init();
    const rows = steelReadings();
    await warehouse.insert(readings, rows);
    await new LocalArchive(warehouse, join(dir, 'archive')).archive({ until: '2100-01-01T00:00:00Z' });
    let parquet = 0;
    const walk = (d: string): void => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (f.isDirectory()) walk(join(d, f.name));
        else if (f.name.endsWith('.parquet')) parquet += statSync(join(d, f.name)).size;
      }
    };
    walk(join(dir, 'archive', 'readings'));
    const logical = rows.reduce((s, r) => s + logicalBytes(r), 0);
    return { rows: rows.length, logicalPerRow: logical / rows.length, parquetPerRow: parquet / rows.length };
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
