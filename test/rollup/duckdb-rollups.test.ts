import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../shared/archive/local-archive.js';
import { loadSteel, STEEL_DEVICE_ID } from '../../shared/demo/steel.js';
import { readingId } from '../../shared/readings/ids.js';
import { DuckDbRollupStore } from '../../shared/rollup/duckdb-rollups.js';
import { runRollups } from '../../shared/rollup/run-rollups.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import {
  readings,
  ROLLUP_LEVELS,
  ROLLUP_TABLES,
  type ReadingRow,
  type RollupLevel,
} from '../../shared/warehouse/schema/tables.js';

const NOW = new Date('2018-02-14T10:20:00Z');
const OPTIONS = { now: NOW, lateHours: 48, maxDays: 400 };
let dir: string;
let warehouse: DuckDbWarehouse;
let store: DuckDbRollupStore;

function row(deviceId: string, tsMs: number, metric: string, value: number | null, flags: string[]): ReadingRow {
  return {
    reading_id: readingId(deviceId, tsMs, metric),
    device_id: deviceId,
    ts: new Date(tsMs).toISOString(),
    metric,
    value,
    unit: 'x',
    original_value: null,
    original_unit: null,
    status: 'accepted',
    flags,
    message_id: 'm',
    seq: null,
    ingested_at: new Date(tsMs + 1000).toISOString(),
  };
}

/** The steel plant's January and February up to NOW (15-minute readings, 6 metrics), with nulls and flags. */
function steelRows(): ReadingRow[] {
  return loadSteel()
    .filter((r) => r.tsMs < NOW.getTime())
    .flatMap((r, i) =>
      Object.entries(r.metrics).map(([metric, value], k) => {
        const n = i + k;
        const flags = n % 97 === 0 ? ['missing'] : n % 31 === 0 ? ['spike'] : n % 13 === 0 ? ['unit_converted'] : [];
        return row(STEEL_DEVICE_ID, r.tsMs, metric, n % 97 === 0 ? null : value, flags);
      }),
    );
}

/** The aggregates a direct GROUP BY over the raw readings gives, for the closed buckets of a level. */
async function direct(level: RollupLevel, now: Date, source: string) {
  const trunc = `(date_trunc('${level}', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
  const end = level === 'week' ? `b + INTERVAL 7 DAY` : `b + INTERVAL 1 ${level.toUpperCase()}`;
  return warehouse.query(
    `SELECT * FROM (
       SELECT device_id, metric, ${trunc} AS b, count(*) AS reading_count, count(value) AS value_count,
         count(*) FILTER (WHERE len(list_filter(flags, lambda f: f <> 'unit_converted')) > 0) AS flagged_count,
         sum(value) AS value_sum, avg(value) AS value_mean, min(value) AS value_min, max(value) AS value_max
       FROM ${source} GROUP BY ALL)
     WHERE ${end} <= $now::TIMESTAMPTZ ORDER BY device_id, metric, b`,
    { now: now.toISOString() },
  );
}

async function stored(level: RollupLevel) {
  return warehouse.query(
    `SELECT rollup_id, device_id, metric, bucket_start AS b, reading_count, value_count, flagged_count,
       value_sum, value_mean, value_min, value_max FROM "${ROLLUP_TABLES[level].name}" ORDER BY device_id, metric, b`,
  );
}

/** Counts, min and max exactly; sums and means to 1e-12 relative (summed in another order above hours). */
async function expectExact(level: RollupLevel, now = NOW, source = 'readings') {
  const [want, got] = [await direct(level, now, source), await stored(level)];
  expect(got.length).toBe(want.length);
  expect(want.length).toBeGreaterThan(0);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect([g.device_id, g.metric, g.b]).toEqual([w.device_id, w.metric, w.b]);
    for (const c of ['reading_count', 'value_count', 'flagged_count', 'value_min', 'value_max'])
      expect(Number(g[c]), `${level} ${c}`).toBe(Number(w[c]));
    for (const c of ['value_sum', 'value_mean'])
      expect(Math.abs(Number(g[c]) - Number(w[c]))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(Number(w[c]))));
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-rollup-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await warehouse.insert(readings, [
    ...steelRows(),
    // A second device: negative values, an hour of only nulls, a bucket on a month and ISO-week boundary.
    ...[-3.5, 2.25, null, 7].map((v, i) =>
      row(
        'sim/m-1',
        Date.parse('2018-01-31T23:00:00Z') + i * 20 * 60_000,
        'power_kw',
        v,
        v === null ? ['missing'] : [],
      ),
    ),
    row('sim/m-1', Date.parse('2018-02-05T00:00:00Z'), 'power_kw', null, ['missing']),
  ]);
  store = new DuckDbRollupStore(warehouse);
}, 120_000);

afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('roll-ups over DuckDB', () => {
  it('hour, day, ISO week and month equal a direct GROUP BY of the raw readings, closed buckets only', async () => {
    const runs = await runRollups(store, OPTIONS);
    expect(runs.map((r) => [r.level, r.from, r.to])).toEqual([
      // The plant's first reading is 2018-01-01 00:15 in Korea: 2017-12-31 15:15 UTC, a Sunday.
      ['hour', '2017-12-31T15:00:00.000Z', '2018-02-14T10:00:00.000Z'],
      ['day', '2017-12-31T00:00:00.000Z', '2018-02-14T00:00:00.000Z'],
      // ISO weeks start on Monday; the week of 12 February is still open.
      ['week', '2017-12-25T00:00:00.000Z', '2018-02-12T00:00:00.000Z'],
      ['month', '2017-12-01T00:00:00.000Z', '2018-02-01T00:00:00.000Z'],
    ]);
    for (const level of ROLLUP_LEVELS) await expectExact(level);
    const hours = await stored('hour');
    const empty = hours.find((h) => h.device_id === 'sim/m-1' && (h.b as Date).toISOString().startsWith('2018-02-05'))!;
    expect([empty.reading_count, empty.value_count, empty.flagged_count, empty.value_sum, empty.value_mean]).toEqual([
      1n,
      0n,
      1n,
      null,
      null,
    ]);
    // The key is sha256(device \n metric \n bucket start in microseconds), the same text BigQuery hashes.
    const micros = BigInt((empty.b as Date).getTime()) * 1000n;
    expect(empty.rollup_id).toBe(createHash('sha256').update(`sim/m-1\npower_kw\n${micros}`).digest('hex'));
  });

  it('a rerun changes nothing; late data inside the window is counted, older late data after --from', async () => {
    await runRollups(store, OPTIONS);
    const before = await stored('hour');
    const rerun = await runRollups(store, OPTIONS);
    expect(rerun.map((r) => r.buckets)).toEqual([0, 0, 0, 0]);
    expect(await stored('hour')).toEqual(before);

    const late = Date.parse('2018-02-13T07:05:00Z');
    const old = Date.parse('2018-01-03T07:05:00Z');
    await warehouse.insert(readings, [row('sim/m-2', late, 'power_kw', 5, []), row('sim/m-2', old, 'power_kw', 9, [])]);
    const later = { ...OPTIONS, now: new Date(NOW.getTime() + 3_600_000) };
    const runs = await runRollups(store, later);
    // One new hour of each series, one late hour, its day; the old reading is outside the 48-hour window.
    expect(runs.find((r) => r.level === 'hour')!.from).toBe('2018-02-12T11:00:00.000Z');
    const m2 = (await stored('hour')).filter((h) => h.device_id === 'sim/m-2');
    expect(m2.map((h) => Number(h.value_sum))).toEqual([5]);
    await runRollups(store, { ...later, from: '2017-12-01T00:00:00Z' });
    for (const level of ROLLUP_LEVELS) await expectExact(level, later.now);
    const watermarks = await store.watermarks();
    expect(watermarks.hour).toBe('2018-02-14T11:00:00.000Z');
  });

  it('a long history goes in steps of maxDays per run, each level behind the one it reads', async () => {
    const step = { ...OPTIONS, maxDays: 10 };
    const first = await runRollups(store, step);
    // Hours reach 10 days in; days follow them; weeks and months only as far as the closed days allow.
    expect(first.map((r) => r.to)).toEqual([
      '2018-01-10T15:00:00.000Z',
      '2018-01-10T00:00:00.000Z',
      '2018-01-01T00:00:00.000Z',
      '2018-01-01T00:00:00.000Z',
    ]);
    for (let i = 0; i < 6; i++) await runRollups(store, step);
    for (const level of ROLLUP_LEVELS) await expectExact(level);
  });

  it('reads archived months through readings_all: archiving does not shrink recomputed buckets', async () => {
    await runRollups(store, OPTIONS);
    const archive = new LocalArchive(warehouse, join(dir, 'archive'));
    await archive.archive({ until: '2018-02-01T00:00:00Z' });
    expect(Number((await warehouse.query(`SELECT count(*) AS n FROM readings WHERE ts < '2018-02-01'`))[0]!.n)).toBe(0);
    const counts = async () => (await stored('hour')).map((h) => [h.rollup_id, h.reading_count, h.value_count]);
    const before = await counts();
    await runRollups(store, { ...OPTIONS, from: '2017-12-01T00:00:00Z' });
    expect(await counts()).toEqual(before);
    for (const level of ROLLUP_LEVELS) await expectExact(level, NOW, 'readings_all');
  });
});
