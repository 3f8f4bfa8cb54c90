import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';

const dir = mkdtempSync(join(tmpdir(), 'kilowatch-coalesced-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (id: string, ts: string): ReadingRow => ({
  reading_id: id,
  device_id: 'sim-plant/machine-01',
  ts,
  metric: 'power_kw',
  value: 1,
  unit: 'kW',
  original_value: null,
  original_unit: null,
  status: 'accepted',
  flags: [],
  message_id: id,
  seq: null,
  ingested_at: '2024-01-01T00:00:00.000Z',
});

describe('coalesced DuckDB writes', () => {
  it('fails only the write that cannot be stored; the writes coalesced with it are stored', async () => {
    const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
    await warehouse.init();
    // Issued in one tick: they share one transaction, which the unparseable timestamp fails.
    const results = await Promise.allSettled([
      warehouse.insert(readings, [row('a', '2024-01-01T00:00:00Z')]),
      warehouse.insert(readings, [row('poison', 'not a timestamp')]),
      warehouse.insert(readings, [row('c', '2024-01-01T00:02:00Z')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = await warehouse.query('SELECT reading_id FROM readings ORDER BY reading_id');
    expect(stored.map((r) => r.reading_id)).toEqual(['a', 'c']);
    await warehouse.close();
  });
});
