import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';

/**
 * A child process that writes readings to a DuckDB file as fast as it can, two coalesced writes at a time,
 * until it is killed: `node --import tsx test/support/duckdb-writer.ts <file> <first id>`. It prints `ready`
 * once the file is open, then the id of each batch once DuckDB has committed it.
 */
const [file, from] = process.argv.slice(2) as [string, string];
const warehouse = await DuckDbWarehouse.open(file);
await warehouse.init();
process.stdout.write('ready\n');
const row = (n: number): ReadingRow => ({
  reading_id: `r${n}`,
  device_id: `sim-plant/machine-${n % 7}`,
  ts: new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString(),
  metric: 'power_kw',
  value: n % 1000,
  unit: 'kW',
  original_value: null,
  original_unit: null,
  status: 'accepted',
  flags: [],
  message_id: `m${n}`,
  seq: null,
  ingested_at: new Date().toISOString(),
});
for (let n = Number(from); ; n += 500) {
  const batch = Array.from({ length: 500 }, (_, i) => row(n + i));
  await Promise.all([warehouse.insert(readings, batch.slice(0, 250)), warehouse.insert(readings, batch.slice(250))]);
  process.stdout.write(`${n + 500}\n`);
}
