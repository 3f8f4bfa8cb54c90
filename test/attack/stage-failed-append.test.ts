import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { rejected, type RejectedRow } from '../../shared/warehouse/schema/tables.js';

let warehouse: DuckDbWarehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const row = (id: string, index: number): RejectedRow => ({
  rejected_id: id,
  message_id: 'big',
  reading_index: index,
  device_id: null,
  ts: null,
  metric: null,
  reason: 'invalid_reading',
  detail: 'd',
  payload: '{}',
  received_at: '2024-06-01T00:00:00.000Z',
});

/**
 * DuckDB's appender hands its rows to the staging table every 204,800 rows. A write that fails while appending
 * (here a key that is not text, as a bug upstream would send) is answered with an error: none of its rows may
 * stay staged, or the next write of the table moves them into the table.
 */
describe('DuckDB stage after a write that fails while appending', () => {
  it('moves none of the failed write’s rows with the next write, however many it appended', async () => {
    warehouse = await DuckDbWarehouse.open(':memory:');
    await warehouse.init();
    const rows = Array.from({ length: 250_000 }, (_, i) => row(`failed-${i}`, i));
    (rows[rows.length - 1] as { rejected_id: unknown }).rejected_id = 123;
    await expect(warehouse.insert(rejected, rows)).rejects.toThrow();

    await warehouse.insert(rejected, [row('next', 0)]);
    expect(await warehouse.query(`SELECT count(*)::INT AS n, min(rejected_id) AS first FROM rejected`)).toEqual([
      { n: 1, first: 'next' },
    ]);
  });
});
