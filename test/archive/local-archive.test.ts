import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../shared/archive/local-archive.js';
import { loadSteel, STEEL_DEVICE_ID } from '../../shared/demo/steel.js';
import { readingId } from '../../shared/readings/ids.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';

const UNTIL = '2018-02-01T00:00:00Z';
let dir: string;
let warehouse: DuckDbWarehouse;
let archive: LocalArchive;

/** January and the first half of February of the steel year, every metric, with the odd null, flag and original. */
function steelRows(): ReadingRow[] {
  return loadSteel()
    .filter((r) => r.tsMs < Date.parse('2018-02-15T00:00:00Z'))
    .flatMap((r, i) =>
      Object.entries(r.metrics).map(([metric, value], k) => {
        const ts = new Date(r.tsMs).toISOString();
        return {
          reading_id: readingId(STEEL_DEVICE_ID, r.tsMs, metric),
          device_id: STEEL_DEVICE_ID,
          ts,
          metric,
          value: (i + k) % 97 === 0 ? null : value,
          unit: 'x',
          original_value: (i + k) % 31 === 0 ? value / 3 : null,
          original_unit: (i + k) % 31 === 0 ? 'y' : null,
          status: (i + k) % 31 === 0 ? ('repaired' as const) : ('accepted' as const),
          flags: (i + k) % 97 === 0 ? ['missing'] : (i + k) % 31 === 0 ? ['spike', 'imputed'] : [],
          message_id: `m${i}`,
          seq: i % 5 === 0 ? null : i,
          ingested_at: new Date(r.tsMs + 1234).toISOString(),
        };
      }),
    );
}

/** Every column as text, exactly (doubles as their bits), ordered: what "bit for bit" compares. */
// Doubles as their shortest round-trip text (exact), times in microseconds, lists as text.
const EXACT = `SELECT reading_id, device_id, epoch_us(ts) AS ts, metric, value::VARCHAR AS v, unit, original_value::VARCHAR AS ov,
  original_unit, status, flags::VARCHAR AS flags, message_id, seq, epoch_us(ingested_at) AS ing`;
const before = async (source: string) => warehouse.query(`${EXACT} FROM ${source} ORDER BY reading_id`);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-archive-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await warehouse.insert(readings, steelRows());
  archive = new LocalArchive(warehouse, join(dir, 'archive'));
}, 120_000);

afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function counts() {
  const [w] = await warehouse.query(
    `SELECT count(*)::INT AS n, count(*) FILTER (WHERE ts < '${UNTIL}'::TIMESTAMPTZ)::INT AS old FROM readings`,
  );
  return w as { n: number; old: number };
}

describe('local archive (DuckDB partitioned COPY, hive layout)', () => {
  it('archives January of the steel year and reads it back bit for bit, through readings_all too', async () => {
    const january = await before(`readings WHERE ts < '${UNTIL}'::TIMESTAMPTZ`);
    const all = await before('readings');
    const summary = await archive.archive({ until: '2018-02-01' });
    // Partitions are UTC months: the plant's first local hours (Asia/Seoul) are December 2017 in UTC.
    expect(summary.partitions.map((p) => [p.year, p.month])).toEqual([
      [2017, 12],
      [2018, 1],
    ]);
    expect(summary.partitions.reduce((n, p) => n + p.rows, 0)).toBe(january.length);
    expect(readdirSync(join(dir, 'archive', 'readings')).sort()).toEqual(['year=2017', 'year=2018']);
    expect(readdirSync(join(dir, 'archive', 'readings', 'year=2018'))).toEqual(['month=1']);
    expect((await counts()).old).toBe(0);
    const back = await before(
      `read_parquet('${join(dir, 'archive', 'readings')}/*/*/*.parquet', hive_partitioning = true)`,
    );
    expect(back).toEqual(january);
    expect(await before('readings_all')).toEqual(all);
    const verified = await archive.verify();
    expect(verified).toMatchObject({ ok: true, stillInWarehouse: 0 });
    // Nothing left to archive: a second run writes nothing.
    expect((await archive.archive({ until: '2018-02-01' })).runId).toBeNull();
  }, 120_000);

  it('a crash between writing and deleting loses nothing and duplicates nothing; the next run finishes it', async () => {
    const all = await before('readings');
    await expect(archive.archive({ until: UNTIL, crashAfter: 'manifest' })).rejects.toThrow(/crash/);
    // Meanwhile the rows are in both places, and readings_all shows each once.
    expect((await counts()).old).toBeGreaterThan(0);
    await archive.createView();
    expect(await before('readings_all')).toEqual(all);
    const next = await archive.archive({ until: UNTIL });
    expect(next.resumed).toHaveLength(1);
    expect(next.runId).toBeNull();
    expect((await counts()).old).toBe(0);
    expect(await before('readings_all')).toEqual(all);
    expect(await archive.verify()).toMatchObject({ ok: true, stillInWarehouse: 0 });
  }, 120_000);

  it('a crash after the copy, before the check: its files are removed and the next run archives the rows once', async () => {
    const all = await before('readings');
    await expect(archive.archive({ until: UNTIL, crashAfter: 'copy' })).rejects.toThrow(/crash/);
    const next = await archive.archive({ until: UNTIL });
    expect(next.orphansRemoved).toHaveLength(2);
    expect(next.runId).not.toBeNull();
    expect(await before('readings_all')).toEqual(all);
    const [archived] = await warehouse.query(
      `SELECT count(*)::INT AS n, count(DISTINCT reading_id)::INT AS ids FROM read_parquet('${join(dir, 'archive', 'readings')}/*/*/*.parquet')`,
    );
    expect(archived?.n).toBe(archived?.ids);
  }, 120_000);

  it('--verify notices a damaged archive', async () => {
    await archive.archive({ until: UNTIL });
    const [m] = archive.manifests();
    const file = readdirSync(join(dir, 'archive', 'readings', 'year=2018', 'month=1'))[0] as string;
    // Replace the month's file with one that lacks a row.
    await warehouse.query(
      `COPY (SELECT * FROM read_parquet('${join(dir, 'archive', 'readings', 'year=2018', 'month=1', file)}') LIMIT 10) TO '${join(dir, 'short.parquet')}' (FORMAT parquet)`,
    );
    rmSync(join(dir, 'archive', 'readings', 'year=2018', 'month=1', file));
    await warehouse.query(
      `COPY (SELECT * FROM read_parquet('${join(dir, 'short.parquet')}')) TO '${join(dir, 'archive', 'readings', 'year=2018', 'month=1', file)}' (FORMAT parquet)`,
    );
    const report = await archive.verify();
    expect(report.ok).toBe(false);
    const january = (p: { year: number; month: number }) => p.year === 2018 && p.month === 1;
    expect(report.runs[0]?.partitions.find(january)).toMatchObject({
      rows: m?.partitions.find(january)?.rows,
      found: { rows: 10 },
      ok: false,
    });
    expect(report.runs[0]?.partitions.find((p) => !january(p))).toMatchObject({ ok: true });
  }, 120_000);
});

describe('kilowatch archive', () => {
  it('archives the data folder warehouse and verifies it', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const run = promisify(execFile);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILOWATCH_')));
    const data = join(dir, 'data');
    const own = await DuckDbWarehouse.open(join(data, 'warehouse.duckdb'));
    await own.init();
    await own.insert(readings, steelRows().slice(0, 5000));
    await own.close();
    const kilowatch = async (...args: string[]) =>
      JSON.parse(
        (
          await run('node', ['bin/kilowatch.js', 'archive', ...args], {
            env: { ...clean, KILOWATCH_DATA_DIR: data },
            timeout: 60_000,
          })
        ).stdout,
      ) as Record<string, { partitions?: unknown[]; ok?: boolean }>;
    expect((await kilowatch('--until', '2018-01-05')).archived?.partitions?.length).toBeGreaterThan(0);
    expect((await kilowatch('--verify')).verify?.ok).toBe(true);
    await expect(kilowatch('--until', 'soon')).rejects.toThrow(/--until: 'soon'/);
  }, 120_000);
});
