/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- responses are JSON checked field by field */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseCache } from '../../shared/api/response-cache.js';
import { duckDbDialect } from '../../shared/warehouse/duckdb-reader.js';
import { TABLES_READ } from '../../shared/warehouse/cached-reader.js';
import * as sql from '../../shared/warehouse/read-sql.js';
import { alerts, anomalyScores, readings, TABLES } from '../../shared/warehouse/schema/tables.js';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { alertRows, FIXTURE, loadFixture, readingRows, scoreRows, tsAt } from '../support/read-fixture.js';

describe('the read caches and writes', () => {
  let api: ApiServer;
  const dev = encodeURIComponent(FIXTURE.device);
  const day = `/v1/series?deviceId=${dev}&metric=power_kw&from=${tsAt(0)}&to=${tsAt(FIXTURE.perDay)}`;

  beforeAll(async () => {
    api = await startApiServer(loadFixture);
  });

  afterAll(async () => {
    await api.stop();
  });

  it('answers a repeated series request from the cache and never serves it again after a write to readings or scores', async () => {
    const first = await api.get(day);
    expect(first.body.totalPoints).toBe(FIXTURE.perDay);
    expect(await api.get(day)).toMatchObject({ status: 200, type: first.type, body: first.body });
    // A reading stored in the range is in the next answer.
    const late = {
      ...readingRows()[0]!,
      reading_id: 'rd-late',
      ts: new Date(Date.parse(tsAt(3)) + 60_000).toISOString(),
    };
    await api.warehouse.insert(readings, [readings.row.parse(late)]);
    const afterReading = await api.get(day);
    expect(afterReading.body.totalPoints).toBe(FIXTURE.perDay + 1);
    expect(afterReading.body.points.find((p: { ts: string }) => p.ts === late.ts)).toMatchObject({ score: null });
    // A score for that reading: the cached answer (score null) is not served again.
    const score = {
      ...scoreRows()[0]!,
      score_id: 'sc-late',
      reading_id: 'rd-late',
      ts: late.ts,
      score: 0.99,
      is_anomaly: true,
    };
    await api.warehouse.insert(anomalyScores, [anomalyScores.row.parse(score)]);
    const afterScore = await api.get(day);
    expect(afterScore.body.points.find((p: { ts: string }) => p.ts === late.ts)).toMatchObject({
      score: 0.99,
      isAnomaly: true,
    });
  });

  it('counts committed writes per table: the series keeps its version through an alert write', async () => {
    const series = TABLES_READ.series;
    const before = api.warehouse.writeVersion(series);
    const alertsBefore = api.warehouse.writeVersion([alerts.name]);
    await api.warehouse.insert(alerts, [alerts.row.parse({ ...alertRows()[0]!, alert_id: 'al-v' })]);
    expect(api.warehouse.writeVersion(series)).toBe(before);
    expect(api.warehouse.writeVersion([alerts.name])).toBe(alertsBefore + 1);
    await api.warehouse.insert(readings, [readings.row.parse({ ...readingRows()[0]!, reading_id: 'rd-v' })]);
    expect(api.warehouse.writeVersion(series)).toBe(before + 1);
  });
});

describe('TABLES_READ', () => {
  const range = { from: tsAt(0), to: tsAt(10) };
  const q = { deviceId: FIXTURE.device, metric: FIXTURE.metric, range };
  const page = { limit: 10 };
  const window = { since: range.from, until: range.to, readingsSince: range.from };
  const queries: Record<keyof typeof TABLES_READ, sql.Sql> = {
    deviceActivity: sql.deviceActivitySql(duckDbDialect, range),
    seriesSummary: sql.seriesSummarySql(duckDbDialect, q),
    series: sql.seriesSql(duckDbDialect, q),
    seriesBuckets: sql.seriesBucketsSql(duckDbDialect, q, 4),
    latestForecast: sql.latestForecastSql(duckDbDialect, q),
    anomalyScores: sql.anomalyScoresSql(duckDbDialect, { range }, page),
    alerts: sql.alertsSql(duckDbDialect, { range }, page),
    alert: sql.alertSql(duckDbDialect, 'al-1', range),
    pipelineCounts: sql.pipelineCountsSql(duckDbDialect, window),
    modelActivity: sql.modelActivitySql(duckDbDialect, range),
    copilotUsage: sql.copilotUsageSql(duckDbDialect, range),
  };

  it.each(Object.entries(queries))('names every table that %s reads, and no other', (method, query) => {
    const read = TABLES.map((t) => t.name).filter((name) => query.sql.includes(`"${name}"`));
    expect([...read].sort()).toEqual([...TABLES_READ[method as keyof typeof TABLES_READ]].sort());
  });
});

describe('responseCache', () => {
  function app(maxEntries?: number) {
    const versions = { now: 0 };
    let runs = 0;
    const hono = new Hono();
    hono.use('/r', responseCache({ version: () => versions.now, ...(maxEntries ? { maxEntries } : {}) }, ['t']));
    hono.get('/r', async (c) => {
      runs++;
      // A write lands while the answer is computed: it must not be served at the newer version.
      if (c.req.query('writeDuring')) versions.now++;
      await Promise.resolve();
      return c.req.query('fail') ? c.json({ no: runs }, 500) : c.json({ run: runs });
    });
    const get = async (path: string) => {
      const res = await hono.request(path);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
    };
    return { versions, get, runs: () => runs };
  }

  it('serves the stored bytes until the version changes', async () => {
    const a = app();
    expect(await a.get('/r?from=1')).toEqual({ status: 200, type: 'application/json', body: { run: 1 } });
    expect(await a.get('/r?from=1')).toEqual({ status: 200, type: 'application/json', body: { run: 1 } });
    expect((await a.get('/r?from=2')).body).toEqual({ run: 2 });
    a.versions.now++;
    expect((await a.get('/r?from=1')).body).toEqual({ run: 3 });
    expect(a.runs()).toBe(3);
  });

  it('keeps nothing computed across a write, nothing but 200s, nothing without from or to', async () => {
    const a = app();
    expect((await a.get('/r?from=1&writeDuring=1')).body).toEqual({ run: 1 });
    expect((await a.get('/r?from=1&writeDuring=1')).body).toEqual({ run: 2 });
    expect((await a.get('/r?to=1&fail=1')).status).toBe(500);
    expect((await a.get('/r?to=1&fail=1')).body).toEqual({ no: 4 });
    expect((await a.get('/r')).body).toEqual({ run: 5 });
    expect((await a.get('/r')).body).toEqual({ run: 6 });
  });

  it('drops the least recently used answer beyond maxEntries', async () => {
    const a = app(1);
    await a.get('/r?from=1');
    await a.get('/r?from=2');
    expect((await a.get('/r?from=2')).body).toEqual({ run: 2 });
    expect((await a.get('/r?from=1')).body).toEqual({ run: 3 });
  });
});
