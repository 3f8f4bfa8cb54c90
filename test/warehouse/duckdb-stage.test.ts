import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import {
  anomalyScores,
  readings,
  type AnomalyScoreRow,
  type ReadingRow,
} from '../../shared/warehouse/schema/tables.js';

// Rows reach DuckDB in data chunks of 2,048 rows, with the batch's texts in a dictionary: these batches cross
// chunk boundaries and hold every kind of value (NULLs, lists, texts that repeat and texts that do not).

let dir: string;
let warehouse: DuckDbWarehouse;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-stage-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
});

afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

const FLAGS = [[], ['spike'], ['unit_converted', 'stuck'], ['spike']];

function reading(i: number): ReadingRow {
  return {
    reading_id: `r${String(i).padStart(5, '0')}`,
    device_id: `sim-plant/machine-${i % 7}`,
    ts: new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 5) * 60_000 + (i % 3)).toISOString(),
    metric: `m${i % 5}`,
    value: i % 11 === 0 ? null : i / 7,
    unit: i % 2 ? 'kW' : 'Hz',
    original_value: i % 4 === 0 ? i * 1000.5 : null,
    original_unit: i % 4 === 0 ? 'W' : null,
    status: i % 11 === 0 ? 'repaired' : 'accepted',
    flags: FLAGS[i % FLAGS.length] as string[],
    message_id: i % 13 === 0 ? `odd message ${i} \u001e "quoted" é` : 'message-1',
    seq: i % 9 === 0 ? null : i * 3,
    ingested_at: '2024-02-01T00:00:00.000Z',
  };
}

async function storedReadings(): Promise<ReadingRow[]> {
  const rows = await warehouse.query(
    `SELECT reading_id, device_id, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, metric, value,
            unit, original_value, original_unit, status, flags, message_id, seq,
            strftime(ingested_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ingested_at
     FROM readings ORDER BY reading_id`,
  );
  return rows.map((r) => ({ ...r, seq: r.seq === null ? null : Number(r.seq) }) as ReadingRow);
}

describe('DuckDB writes through data chunks and a dictionary', () => {
  it('stores every value of a batch larger than a chunk exactly as sent', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => reading(i));
    await warehouse.insert(readings, rows);
    expect(await storedReadings()).toEqual(rows);
  });

  it('keeps the first row of a key, across chunk boundaries and coalesced writes', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => reading(i));
    const later = { ...reading(10), value: -1, message_id: 'later' };
    const acrossChunk = { ...reading(2_500), value: -2 };
    await Promise.all([
      warehouse.insert(readings, [...rows.slice(0, 2_100), later, ...rows.slice(2_100)]),
      warehouse.insert(readings, [acrossChunk, reading(3_000)]),
    ]);
    expect(await storedReadings()).toEqual([...rows, reading(3_000)]);
  });

  it('stores booleans, doubles and NULL texts of other tables', async () => {
    const score = (i: number): AnomalyScoreRow => ({
      score_id: `s${i}`,
      reading_id: `r${i}`,
      device_id: 'sim-plant/machine-01',
      ts: '2024-01-01T00:00:00.000Z',
      metric: i % 2 ? null : 'power_kw',
      model: 'isolation-forest',
      model_version: '1',
      score: i / 3,
      threshold: 0.5,
      is_anomaly: i % 3 === 0,
      scored_at: '2024-01-01T00:01:00.000Z',
      signal: i % 2 ? 'value' : null,
    });
    await warehouse.insert(anomalyScores, [score(0), score(1), score(2), score(3)]);
    const stored = await warehouse.query(
      'SELECT score_id, metric, score, is_anomaly, signal FROM anomaly_scores ORDER BY score_id',
    );
    expect(stored).toEqual(
      [0, 1, 2, 3].map((i) => ({
        score_id: `s${i}`,
        metric: i % 2 ? null : 'power_kw',
        score: i / 3,
        is_anomaly: i % 3 === 0,
        signal: i % 2 ? 'value' : null,
      })),
    );
  });

  it('stores a lone UTF-16 surrogate as U+FFFD, as a string bound to DuckDB always was', async () => {
    await warehouse.insert(readings, [
      { ...reading(1), message_id: 'a\ud800b' },
      { ...reading(2), reading_id: 'k\udc00' },
    ]);
    const stored = await warehouse.query('SELECT reading_id, message_id FROM readings ORDER BY reading_id');
    expect(stored).toEqual([
      { reading_id: 'k\ufffd', message_id: 'message-1' },
      { reading_id: 'r00001', message_id: 'a\ufffdb' },
    ]);
  });

  it('leaves nothing staged by a write that fails half way: the next write stores only its own rows', async () => {
    const rows = Array.from({ length: 2_100 }, (_, i) => reading(i));
    // The first chunk is appended before the bad key (not text) fails the second.
    const bad = { ...reading(9_999), reading_id: 42 as unknown as string };
    await expect(warehouse.insert(readings, [...rows, bad])).rejects.toThrow(/string/);
    await warehouse.insert(readings, [reading(7)]);
    expect(await storedReadings()).toEqual([reading(7)]);
    // A write that the move statement refuses leaves nothing staged either.
    await expect(warehouse.insert(readings, [{ ...reading(1), unit: null as unknown as string }])).rejects.toThrow(
      /NOT NULL/,
    );
    await warehouse.insert(readings, [reading(8)]);
    expect(await storedReadings()).toEqual([reading(7), reading(8)]);
  });
});
