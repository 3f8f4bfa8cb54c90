import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { duckdbAddNullableColumns } from '../../shared/warehouse/schema/ddl.js';
import {
  anomalyScores,
  forecasts,
  type AnomalyScoreRow,
  type ForecastRow,
} from '../../shared/warehouse/schema/tables.js';

let dir: string;
let file: string;
const opened: DuckDbWarehouse[] = [];

async function open(): Promise<DuckDbWarehouse> {
  const wh = await DuckDbWarehouse.open(file);
  opened.push(wh);
  await wh.init();
  return wh;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kw-duckdb-'));
  file = join(dir, 'warehouse.duckdb');
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDbWarehouse schema evolution', () => {
  /** anomaly_scores as files created before `signal` existed hold it, with one row. */
  async function writeOldFile(): Promise<void> {
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    await c.run(`CREATE TABLE "anomaly_scores" (
      "score_id" VARCHAR NOT NULL, "reading_id" VARCHAR NOT NULL, "device_id" VARCHAR NOT NULL,
      "ts" TIMESTAMPTZ NOT NULL, "metric" VARCHAR, "model" VARCHAR NOT NULL, "model_version" VARCHAR NOT NULL,
      "score" DOUBLE NOT NULL, "threshold" DOUBLE NOT NULL, "is_anomaly" BOOLEAN NOT NULL, "scored_at" TIMESTAMPTZ NOT NULL)`);
    await c.run(`INSERT INTO anomaly_scores VALUES
      ('sc-old', 'rd-1', 'pump-1', '2024-01-01T00:00:00Z', 'power_kw', 'iforest', '1', 0.2, 0.8, false, '2024-01-01T00:01:00Z')`);
    c.closeSync();
    instance.closeSync();
  }

  const newRow: AnomalyScoreRow = {
    score_id: 'sc-new',
    reading_id: 'rd-2',
    device_id: 'pump-1',
    ts: '2024-01-01T00:15:00.000Z',
    metric: 'power_kw',
    model: 'iforest',
    model_version: '1',
    score: 0.9,
    threshold: 0.8,
    is_anomaly: true,
    scored_at: '2024-01-01T00:16:00.000Z',
    signal: 'forecast_residual',
  };

  it('adds only NULLABLE columns, with the type CREATE TABLE gives them', () => {
    const statements = duckdbAddNullableColumns(anomalyScores);
    expect(statements).toEqual([
      'ALTER TABLE "anomaly_scores" ADD COLUMN IF NOT EXISTS "metric" VARCHAR',
      'ALTER TABLE "anomaly_scores" ADD COLUMN IF NOT EXISTS "signal" VARCHAR',
    ]);
  });

  it('a file written before anomaly_scores.signal existed gains it: old rows read NULL, new rows write it', async () => {
    await writeOldFile();
    const wh = await open();
    await wh.insert(anomalyScores, [newRow]);

    // Through the dedup view: it is recreated in init, so it carries the new column too.
    const rows = await wh.query('SELECT score_id, signal FROM anomaly_scores_dedup ORDER BY ts');
    expect(rows).toEqual([
      { score_id: 'sc-old', signal: null },
      { score_id: 'sc-new', signal: 'forecast_residual' },
    ]);
    const columns = await wh.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'anomaly_scores' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => c.column_name)).toEqual(Object.keys(anomalyScores.columns));
  });

  it('an evolved file opens again, and writes to it stay idempotent', async () => {
    await writeOldFile();
    await (await open()).insert(anomalyScores, [newRow]);
    await opened.pop()!.close();

    const wh = await open();
    await wh.insert(anomalyScores, [newRow]);
    expect(await wh.counts()).toMatchObject({ anomaly_scores: 2 });
  });
});

describe('DuckDbWarehouse.latestForecasts', () => {
  const hour = (h: number) => new Date(Date.UTC(2024, 0, 1, h)).toISOString();

  function forecast(origin: number, target: number, over: Partial<ForecastRow> = {}): ForecastRow {
    return forecasts.row.parse({
      forecast_id: `fc-${origin}-${target}`,
      device_id: 'pump-1',
      metric: 'power_kw',
      issued_at: new Date(Date.UTC(2024, 0, 1, origin, 0, 5)).toISOString(),
      origin: hour(origin),
      target_ts: hour(target),
      p10: target - 1,
      p50: target + origin / 100,
      p90: target + 1,
      model: 'lgbm',
      model_version: '3',
      ...over,
    });
  }

  // Origin 0 forecasts hours 1-4, origin 2 forecasts hours 3-6: hours 3 and 4 come from origin 2.
  const early = [1, 2, 3, 4].map((t) => forecast(0, t));
  const late = [3, 4, 5, 6].map((t) => forecast(2, t));
  const elsewhere = [
    forecast(5, 3, { forecast_id: 'fc-other-device', device_id: 'pump-2' }),
    forecast(5, 3, { forecast_id: 'fc-other-metric', metric: 'flow_m3h' }),
  ];

  beforeEach(async () => {
    const wh = await open();
    await wh.insert(forecasts, [...early, ...late, ...elsewhere]);
    // A duplicate of a key issued later (a redelivered forecast run): the idempotent insert would skip it,
    // so it goes in by SQL. The first by issued_at wins, so it must neither show nor win as the later issue.
    await wh.query(
      `INSERT INTO forecasts SELECT * REPLACE (issued_at + INTERVAL 1 HOUR AS issued_at, 99 AS p50)
       FROM forecasts WHERE forecast_id = 'fc-2-4'`,
    );
  });

  it('answers one forecast per target in [from, to], from its latest origin, oldest target first', async () => {
    const wh = opened[0]!;
    const rows = await wh.latestForecasts('pump-1', 'power_kw', hour(2), hour(5));
    expect(rows).toEqual([early[1], late[0], late[1], late[2]]);
  });

  it('answers nothing outside the range or for an unknown series', async () => {
    const wh = opened[0]!;
    expect(await wh.latestForecasts('pump-1', 'power_kw', hour(7), hour(9))).toEqual([]);
    expect(await wh.latestForecasts('pump-3', 'power_kw', hour(0), hour(9))).toEqual([]);
  });
});
