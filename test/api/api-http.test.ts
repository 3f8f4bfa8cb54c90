/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- responses are JSON checked field by field against expectations; typing each would restate the API's schemas */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copilotCalls, readings } from '../../shared/warehouse/schema/tables.js';
import { FIXTURE, loadFixture, readingRows, tsAt } from '../support/read-fixture.js';
import { startApiServer, type ApiServer } from '../support/api-server.js';

let api: ApiServer;
const from = tsAt(0);
const to = tsAt(FIXTURE.perDay * FIXTURE.days);
const dev = encodeURIComponent(FIXTURE.device);
const seriesPath = (q: string) => `/v1/series?deviceId=${dev}&metric=power_kw&from=${from}&to=${to}${q}`;

const dashboard = mkdtempSync(join(tmpdir(), 'kw-dashboard-'));

beforeAll(async () => {
  mkdirSync(join(dashboard, 'assets'));
  writeFileSync(join(dashboard, 'assets', 'app-1.js'), 'console.log(1)');
  // The clock sits an hour after the fixture was stored: the last hour and day of pipeline health hold it.
  api = await startApiServer(loadFixture, {
    now: Date.parse(FIXTURE.ingestedAt) + 3_600_000 - 1,
    env: { KILOWATCH_DASHBOARD_DIR: dashboard },
  });
});

afterAll(async () => {
  await api.stop();
  rmSync(dashboard, { recursive: true, force: true });
});

function expectProblem(res: { status: number; type: string | null; body: any }, status: number, parameter?: string) {
  expect(res.status).toBe(status);
  expect(res.type).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    status,
    type: expect.stringMatching(/^urn:kilowatch:problem:/),
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (parameter) expect(res.body.errors.map((e: { parameter: string }) => e.parameter)).toContain(parameter);
}

describe('api function over HTTP', () => {
  it('answers /healthz', async () => {
    expect(await api.get('/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('serves the built dashboard at /, files inside its folder only, and names the build while it is missing', async () => {
    const missing = await api.get('/');
    expectProblem(missing, 503);
    expect(missing.body.detail).toContain('npm run build:dashboard');
    writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>kilowatch</title>');
    expect(await api.get('/')).toMatchObject({
      status: 200,
      type: 'text/html; charset=utf-8',
      body: '<!doctype html><title>kilowatch</title>',
    });
    expect(await api.get('/assets/app-1.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expectProblem(await api.get('/..%2f..%2fpackage.json'), 404);
    expectProblem(await api.get('/assets/missing.js'), 404);
  });

  it('answers the copilot route 503 naming KILOWATCH_COPILOT_URL while no copilot is connected', async () => {
    const answer = await api.post('/copilot/v1/ask', { question: 'hello?' });
    expectProblem(answer, 503);
    expect(answer.body.detail).toContain('KILOWATCH_COPILOT_URL');
  });

  it('lists registered devices with status, last reading and open alerts', async () => {
    const res = await api.get(`/v1/devices?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.devices.map((d: { deviceId: string }) => [d.deviceId, d]));
    expect(byId[FIXTURE.device]).toMatchObject({
      site: 'sim-plant',
      type: 'machine',
      lastReadingAt: tsAt(287),
      openAlerts: 2,
      openCriticalAlerts: 1,
      // The clock is a day past the last reading.
      status: 'silent',
    });
    expect(byId['steel-plant/main-meter']).toMatchObject({ status: 'silent', lastReadingAt: null, readings: 0 });
    expect(byId[FIXTURE.otherDevice].lastFlags).toEqual(['stuck']);
  });

  it('serves a small series raw with flags and scores', async () => {
    const res = await api.get(`/v1/series?deviceId=${dev}&metric=power_kw&from=${tsAt(8)}&to=${tsAt(42)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      deviceId: FIXTURE.device,
      metric: 'power_kw',
      unit: 'kW',
      totalPoints: 34,
      downsampling: null,
    });
    expect(res.body.points).toHaveLength(34);
    expect(res.body.points[2]).toEqual({
      ts: tsAt(10),
      value: 500,
      status: 'accepted',
      flags: ['spike'],
      score: null,
      isAnomaly: false,
    });
  });

  it('downsamples to maxPoints on the server, keeping every flagged and anomalous reading', async () => {
    const res = await api.get(seriesPath('&maxPoints=45'));
    expect(res.status).toBe(200);
    expect(res.body.totalPoints).toBe(288);
    expect(res.body.downsampling).toEqual({ method: 'm4', buckets: 10 });
    expect(res.body.points.length).toBeLessThanOrEqual(45);
    const ts = res.body.points.map((p: { ts: string }) => p.ts);
    for (const i of [...FIXTURE.spikes, ...FIXTURE.anomalies]) expect(ts).toContain(tsAt(i));
  });

  it('downsamples a device that sent more readings than its registered interval suggests', async () => {
    // The steel meter is registered at 15 minutes; here it sent one reading a minute for two hours.
    const rows = Array.from({ length: 120 }, (_, i) =>
      readings.row.parse({
        ...readingRows()[0],
        reading_id: `steel-${i}`,
        device_id: 'steel-plant/main-meter',
        metric: 'usage_kwh',
        unit: 'kWh',
        value: 3 + (i % 7),
        flags: [],
        ts: new Date(Date.UTC(2024, 1, 1) + i * 60_000).toISOString(),
        ingested_at: '2024-02-02T00:00:00.000Z',
      }),
    );
    await api.warehouse.insert(readings, rows);
    const res = await api.get(
      `/v1/series?deviceId=${encodeURIComponent('steel-plant/main-meter')}&metric=usage_kwh&from=2024-02-01T00:00:00Z&to=2024-02-01T02:00:00Z&maxPoints=10`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalPoints: 120, downsampling: { method: 'm4', buckets: 2 } });
    expect(res.body.points.length).toBeLessThanOrEqual(10);
  });

  it('answers 422 naming maxPoints when the kept readings or the cap exceed it', async () => {
    const tooFew = await api.get(seriesPath('&maxPoints=8'));
    expectProblem(tooFew, 422, 'maxPoints');
    expect(tooFew.body.detail).toMatch(/5 flagged or anomalous readings.*at most 10000/);
    const overCap = await api.get(seriesPath('&maxPoints=10001'));
    expectProblem(overCap, 422, 'maxPoints');
    expect(overCap.body.detail).toContain('at most 10000');
    expectProblem(
      await api.get(`/v1/series?deviceId=${dev}&metric=power_kw&from=2020-01-01T00:00:00Z&to=2021-06-01T00:00:00Z`),
      422,
      'to',
    );
  });

  it('rejects unknown and malformed parameters, naming them and what is accepted', async () => {
    const unknown = await api.get(seriesPath('&maxpoints=10'));
    expectProblem(unknown, 400, 'maxpoints');
    expect(unknown.body.errors[0].detail).toBe('unknown parameter; accepted: deviceId, metric, from, to, maxPoints');
    expectProblem(await api.get(seriesPath('&maxPoints=ten')), 400, 'maxPoints');
    expectProblem(await api.get(`/v1/series?deviceId=${dev}&metric=power_kw&from=yesterday`), 400, 'from');
    expectProblem(await api.get(`/v1/series?metric=power_kw`), 400, 'deviceId');
    expectProblem(await api.get(`/v1/devices?from=${to}&to=${from}`), 400, 'from');
    const metric = await api.get(`/v1/series?deviceId=${dev}&metric=flow`);
    expectProblem(metric, 404, 'metric');
    expect(metric.body.detail).toContain('power_kw, temperature_c');
    expectProblem(
      await api.get(`/v1/series?deviceId=${encodeURIComponent("x' OR 1=1 --")}&metric=power_kw`),
      404,
      'deviceId',
    );
    expectProblem(await api.get('/v1/nothing'), 404);
  });

  it('serves the latest forecast with p10/p50/p90 and its model version', async () => {
    const res = await api.get(`/v1/forecasts/latest?deviceId=${dev}&metric=power_kw&from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.body.forecast).toMatchObject({
      origin: tsAt(192),
      model: 'steel-forecast',
      modelVersion: '2.0.0',
      unit: 'kW',
    });
    expect(res.body.forecast.points[0]).toEqual({ targetTs: tsAt(192), p10: 91, p50: 101, p90: 111 });
    const none = await api.get(
      `/v1/forecasts/latest?deviceId=${dev}&metric=power_kw&from=2023-01-01T00:00:00Z&to=2023-01-02T00:00:00Z`,
    );
    expect(none).toMatchObject({ status: 200, body: { from: '2023-01-01T00:00:00.000Z', forecast: null } });
    expectProblem(await api.get(`/v1/forecasts/latest?deviceId=${dev}&metric=pressure`), 404, 'metric');
  });

  it('pages alerts with an opaque cursor bound to the filters, and caps limit at 1000', async () => {
    const first = await api.get(`/v1/alerts?from=${from}&to=${to}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((a: { alertId: string }) => a.alertId)).toEqual(['al-200', 'al-41']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api.get(`/v1/alerts?from=${from}&to=${to}&limit=2&cursor=${first.body.nextCursor}`);
    expect(next.body).toMatchObject({ items: [{ alertId: 'al-40' }], nextCursor: null });
    expectProblem(
      await api.get(`/v1/alerts?from=${from}&to=${to}&limit=2&severity=warning&cursor=${first.body.nextCursor}`),
      400,
      'cursor',
    );
    expectProblem(await api.get(`/v1/alerts?from=${from}&to=${to}&cursor=bm9wZQ`), 400, 'cursor');
    expectProblem(await api.get(`/v1/alerts?from=${from}&to=${to}&limit=1001`), 422, 'limit');
    expectProblem(await api.get(`/v1/alerts?from=${from}&to=${to}&severity=urgent`), 400, 'severity');
    const critical = await api.get(`/v1/alerts?from=${from}&to=${to}&severity=critical&kind=anomaly&deviceId=${dev}`);
    expect(critical.body.items.map((a: { alertId: string }) => a.alertId)).toEqual(['al-40']);
  });

  it('lists anomaly scores with filters', async () => {
    const res = await api.get(`/v1/anomaly-scores?from=${from}&to=${to}&anomaliesOnly=true&deviceId=${dev}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { ts: string }) => s.ts)).toEqual([tsAt(200), tsAt(41), tsAt(40)]);
    expect(res.body.items[0]).toMatchObject({
      model: 'stream-univariate',
      modelVersion: '1.0.0',
      signal: 'value',
      isAnomaly: true,
    });
    const paged = await api.get(`/v1/anomaly-scores?from=${from}&to=${to}&limit=1000`);
    expect(paged.body.items).toHaveLength(268);
    expect(paged.body.nextCursor).toBeNull();
  });

  it('stores an acknowledgement in the warehouse and shows it on the alert', async () => {
    const ack = await api.post('/v1/alerts/al-40/ack', { by: 'night shift', note: 'bearing replaced', ts: tsAt(40) });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      alertId: 'al-40',
      acknowledgement: { by: 'night shift', note: 'bearing replaced' },
    });
    const rows = await api.warehouse.query(
      `SELECT alert_id, acknowledged_by, note FROM alert_acks WHERE alert_id = 'al-40'`,
    );
    expect(rows).toEqual([{ alert_id: 'al-40', acknowledged_by: 'night shift', note: 'bearing replaced' }]);
    const open = await api.get(`/v1/alerts?from=${from}&to=${to}&state=open`);
    expect(open.body.items.map((a: { alertId: string }) => a.alertId)).toEqual(['al-200']);
    expectProblem(await api.post('/v1/alerts/al-999/ack', { by: 'x', ts: tsAt(40) }), 404, 'alertId');
    expectProblem(await api.post('/v1/alerts/al-40/ack', { note: 'who?' }), 400, 'by');
    expectProblem(await api.post('/v1/alerts/al-40/ack', { by: 'x', extra: 1 }), 400, 'extra');
    expectProblem(await api.post('/v1/alerts/al-40/ack?force=1', { by: 'x' }), 400, 'force');
  });

  it('estimates energy of a batch with the champion estimator and its version, up to 10,000 rows', async () => {
    const row = {
      ts: '2018-01-01T00:15:00+09:00',
      laggingKvarh: 2.95,
      laggingPf: 73.21,
      leadingKvarh: 0,
      leadingPf: 100,
      co2: 0,
    };
    const res = await api.post('/v1/estimate', {
      rows: [row, { ...row, laggingKvarh: null, laggingPf: null, leadingKvarh: null, leadingPf: null, co2: null }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: 'steel-estimate', modelVersion: expect.any(String) });
    expect(res.body.estimates[0]).toMatchObject({ ts: row.ts, status: 'ok' });
    // The steel plant's first reading: 3.17 kWh.
    expect(res.body.estimates[0].estimateKwh).toBeCloseTo(3.17, 1);
    expect(res.body.estimates[1]).toEqual({ ts: row.ts, estimateKwh: null, status: 'none' });
    const big = await api.post('/v1/estimate', { rows: Array.from({ length: 10_001 }, () => row) });
    expectProblem(big, 422, 'rows');
    expect(big.body.detail).toContain('at most 10000 rows');
    expectProblem(await api.post('/v1/estimate', { rows: [{ ...row, ts: 'noon' }] }), 400, 'rows.0.ts');
    expectProblem(await api.post('/v1/estimate', { rows: Array.from({ length: 50_000 }, () => row) }), 413);
    // Unparseable JSON is refused by the functions framework's body parser before the API sees it.
    expect((await api.post('/v1/estimate', '{"rows": [')).status).toBe(400);
  });

  it('lists models: champions with card metrics, and the versions that wrote rows', async () => {
    const res = await api.get(`/v1/models?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.models.map((m: { name: string }) => [m.name, m]));
    expect(byName['steel-estimate'].champion).toMatchObject({
      source: 'committed',
      version: expect.any(String),
      metrics: { primary: expect.any(String) },
    });
    expect(byName['steel-forecast'].activity.map((a: { modelVersion: string }) => a.modelVersion)).toEqual([
      '1.0.0',
      '2.0.0',
    ]);
  });

  it('reports pipeline health: stored, rejected by reason, delays, dead letters, last reading per device', async () => {
    const ago = (min: number) => new Date(Date.parse(FIXTURE.ingestedAt) + 3_600_000 - min * 60_000).toISOString();
    const call = { request_id: 'rq', conversation_id: 'cv', caller: 'ops', kind: 'model', name: 'gemini' } as const;
    const usage = { tool_calls: 0, error: null, latency_ms: 800, tokens_in: 1000, tokens_out: 100 };
    await api.warehouse.insert(copilotCalls, [
      { ...call, ...usage, call_id: 'rq:m0', started_at: ago(30), estimated_cost_usd: 0.001 },
      { ...call, ...usage, call_id: 'rq:m1', started_at: ago(120), estimated_cost_usd: 0.002, error: 'timeout' },
    ]);
    const res = await api.get(`/v1/health/pipeline?readingsSince=${from}`);
    expect(res.status).toBe(200);
    expect(res.body.copilot.lastHour).toMatchObject({ calls: 1, errors: 0, tokensIn: 1000, tokensOut: 100 });
    expect(res.body.copilot.lastDay).toMatchObject({ calls: 2, modelCalls: 2, errors: 1, tokensIn: 2000 });
    expect(res.body.copilot.lastDay.estimatedCostUsd).toBeCloseTo(0.003, 9);
    expect(res.body.copilot.lastDay.latency).toMatchObject({ rows: 2, p95Ms: 800, maxMs: 800 });
    expect(res.body.lastHour.stored).toEqual({
      rows: 577,
      byDevice: { [FIXTURE.device]: 576, [FIXTURE.otherDevice]: 1 },
    });
    expect(res.body.lastHour.rejectedByReason).toEqual({});
    expect(res.body.lastDay.rejectedByReason).toEqual({ unknown_device: 2, invalid_reading: 1 });
    expect(res.body.lastDay.storeDelay.maxMs).toBe(Date.parse(FIXTURE.ingestedAt) - FIXTURE.start);
    expect(res.body.deadLetters).toBe(0);
    expect(res.body.devices.find((d: { deviceId: string }) => d.deviceId === FIXTURE.device)).toMatchObject({
      lastReadingAt: tsAt(287),
    });
    expectProblem(await api.get('/v1/health/pipeline?readingsSince=2000-01-01T00:00:00Z'), 422, 'to');
  });

  it('publishes an OpenAPI 3.1 document generated from the routes, and a reference page with no external assets', async () => {
    const doc = await api.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      [
        '/v1/alerts',
        '/v1/alerts/{alertId}/ack',
        '/v1/anomaly-scores',
        '/v1/devices',
        '/v1/estimate',
        '/v1/forecasts/latest',
        '/v1/health/pipeline',
        '/v1/incidents',
        '/v1/incidents/{incidentId}/acknowledge',
        '/v1/incidents/{incidentId}/resolve',
        '/v1/models',
        '/v1/series',
      ].sort(),
    );
    const series = doc.body.paths['/v1/series'].get;
    expect(series.parameters.map((p: { name: string }) => p.name)).toEqual([
      'deviceId',
      'metric',
      'from',
      'to',
      'maxPoints',
    ]);
    expect(Object.keys(series.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '422', '429']));
    expect(doc.body.components.schemas.Problem).toBeDefined();
    const page = await api.get('/docs');
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('/v1/series');
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
