import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbReader } from '../../shared/warehouse/duckdb-reader.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import type { WarehouseReader } from '../../shared/warehouse/read-port.js';
import { copilotCalls, readings, type CopilotCallRow } from '../../shared/warehouse/schema/tables.js';
import { FIXTURE, loadFixture, readingRows, tsAt } from '../support/read-fixture.js';

let dir: string;
let warehouse: DuckDbWarehouse;
let reader: WarehouseReader;
const all = { from: tsAt(0), to: tsAt(FIXTURE.perDay * FIXTURE.days) };
const series = { deviceId: FIXTURE.device, metric: FIXTURE.metric, range: all };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-reader-'));
  warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'));
  await warehouse.init();
  await loadFixture(warehouse);
  reader = await duckDbReader(warehouse);
});

afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDB read port', () => {
  it('reads a series over [from, to) with flags and the highest score of each reading', async () => {
    const points = await reader.series({ ...series, range: { from: tsAt(8), to: tsAt(42) } });
    expect(points).toHaveLength(34);
    expect(points[0]!.ts).toBe(tsAt(8));
    expect(points.at(-1)!.ts).toBe(tsAt(41));
    expect(points[2]).toMatchObject({ ts: tsAt(10), value: 500, flags: ['spike'], score: null, isAnomaly: false });
    expect(points.find((p) => p.ts === tsAt(40))).toMatchObject({ score: 0.95, isAnomaly: true });
    expect(points.find((p) => p.ts === tsAt(30))!.score).toBeCloseTo(0.1, 6);
  });

  it('counts points and marked points (flags other than unit_converted, anomalies)', async () => {
    expect(await reader.seriesSummary(series)).toEqual({ points: 288, marked: 5 });
  });

  it('downsamples to first/last/min/max per bucket and keeps every marked point', async () => {
    const points = await reader.seriesBuckets(series, 10);
    expect(points.length).toBeLessThanOrEqual(10 * 4 + 5);
    expect(points.length).toBeGreaterThan(10);
    const ts = points.map((p) => p.ts);
    expect(ts).toEqual([...ts].sort());
    for (const i of [...FIXTURE.spikes, ...FIXTURE.anomalies]) expect(ts).toContain(tsAt(i));
    expect(ts[0]).toBe(tsAt(0));
    expect(ts.at(-1)).toBe(tsAt(287));
    const values = readingRows()
      .filter((r) => r.metric === FIXTURE.metric && r.flags.length === 0)
      .map((r) => r.value as number);
    expect(Math.min(...points.map((p) => p.value as number))).toBeCloseTo(Math.min(...values), 9);
  });

  it('returns the forecast of the latest origin with its model version', async () => {
    const run = await reader.latestForecast(series);
    expect(run).toMatchObject({ origin: tsAt(192), modelVersion: '2.0.0', model: 'steel-forecast' });
    expect(run!.points).toHaveLength(24);
    expect(run!.points[0]).toEqual({ targetTs: tsAt(192), p10: 91, p50: 101, p90: 111 });
    expect(await reader.latestForecast({ ...series, range: { from: tsAt(0), to: tsAt(10) } })).toBeNull();
  });

  it('pages anomaly scores newest first with a keyset position and filters', async () => {
    const first = await reader.anomalyScores({ range: all, deviceId: FIXTURE.device }, { limit: 100 });
    expect(first).toHaveLength(100);
    expect(first[0]!.ts).toBe(tsAt(287));
    const last = first.at(-1)!;
    const next = await reader.anomalyScores(
      { range: all, deviceId: FIXTURE.device },
      { limit: 1000, after: { ts: last.ts, id: last.scoreId } },
    );
    expect(next).toHaveLength(268 - 100);
    expect(new Set([...first, ...next].map((s) => s.scoreId)).size).toBe(268);
    const anomalies = await reader.anomalyScores({ range: all, anomaliesOnly: true }, { limit: 10 });
    expect(anomalies.map((s) => s.ts)).toEqual([tsAt(200), tsAt(41), tsAt(40)]);
    expect(await reader.anomalyScores({ range: all, minScore: 0.95, model: 'other' }, { limit: 10 })).toEqual([]);
  });

  it('lists alerts with their acknowledgement and filters on state, kind and severity', async () => {
    const listed = await reader.alerts({ range: all }, { limit: 10 });
    expect(listed.map((a) => a.alertId)).toEqual(['al-200', 'al-41', 'al-40']);
    expect(listed[1]!.acknowledgement).toEqual({
      by: 'operator@example.com',
      at: '2024-01-05T08:00:00.000Z',
      note: 'checked the pump',
    });
    expect((await reader.alerts({ range: all, state: 'open' }, { limit: 10 })).map((a) => a.alertId)).toEqual([
      'al-200',
      'al-40',
    ]);
    expect((await reader.alerts({ range: all, severity: 'critical' }, { limit: 10 })).map((a) => a.alertId)).toEqual([
      'al-40',
    ]);
    expect((await reader.alerts({ range: all, kind: 'forecast_breach' }, { limit: 10 })).map((a) => a.alertId)).toEqual(
      ['al-200'],
    );
    const page2 = await reader.alerts({ range: all }, { limit: 10, after: { ts: listed[0]!.ts, id: 'al-200' } });
    expect(page2.map((a) => a.alertId)).toEqual(['al-41', 'al-40']);
    expect(await reader.alert('al-41', all)).toEqual(listed[1]);
    expect(await reader.alert('al-41', { from: tsAt(100), to: tsAt(110) })).toBeNull();
  });

  it('summarises device activity: last reading, its flags and open alerts', async () => {
    const devices = await reader.deviceActivity(all);
    expect(devices).toEqual([
      {
        deviceId: FIXTURE.device,
        lastReadingAt: tsAt(287),
        lastStoredAt: FIXTURE.ingestedAt,
        lastFlags: ['unit_converted'],
        readings: 576,
        openAlerts: 2,
        openCriticalAlerts: 1,
      },
      {
        deviceId: FIXTURE.otherDevice,
        lastReadingAt: tsAt(5),
        lastStoredAt: FIXTURE.ingestedAt,
        lastFlags: ['stuck'],
        readings: 1,
        openAlerts: 0,
        openCriticalAlerts: 0,
      },
    ]);
  });

  it('counts what the pipeline stored, rejected and scored in a window, with delays', async () => {
    const counts = await reader.pipelineCounts({
      since: '2024-01-03T00:00:00Z',
      until: '2024-01-04T00:00:01Z',
      readingsSince: all.from,
    });
    expect(counts.stored).toEqual({ rows: 577, byDevice: { [FIXTURE.device]: 576, [FIXTURE.otherDevice]: 1 } });
    expect(counts.rejectedByReason).toEqual({ unknown_device: 2, invalid_reading: 1 });
    // Scores from reading 20 on are stored 2 s after their reading; those scored in the window are day 3's.
    expect(counts.scored).toBe(96);
    expect(counts.scoreDelay).toEqual({ rows: 96, p50Ms: 2000, p95Ms: 2000, maxMs: 2000 });
    expect(counts.storeDelay.maxMs).toBe(Date.parse(FIXTURE.ingestedAt) - FIXTURE.start);
    const none = await reader.pipelineCounts({
      since: '2025-01-01T00:00:00Z',
      until: '2025-01-02T00:00:00Z',
      readingsSince: all.from,
    });
    expect(none).toMatchObject({ stored: { rows: 0, byDevice: {} }, rejectedByReason: {}, scored: 0, alerts: 0 });
    expect(none.storeDelay).toEqual({ rows: 0, p50Ms: null, p95Ms: null, maxMs: null });
  });

  it('sums the copilot calls started in a range: errors, tokens, cost and latency percentiles', async () => {
    const call = (i: number, over: Partial<CopilotCallRow>): CopilotCallRow => ({
      call_id: `rq-${i}`,
      request_id: 'rq',
      conversation_id: 'cv',
      caller: 'ops@example.com',
      kind: 'model',
      name: 'gemini',
      started_at: `2024-02-01T10:00:${String(i).padStart(2, '0')}.000Z`,
      latency_ms: 100 * (i + 1),
      tokens_in: 0,
      tokens_out: 0,
      tool_calls: 0,
      error: null,
      estimated_cost_usd: 0,
      ...over,
    });
    await warehouse.insert(copilotCalls, [
      call(0, { tokens_in: 1000, tokens_out: 200, tool_calls: 1, estimated_cost_usd: 0.0015 }),
      call(1, { kind: 'tool', name: 'series', latency_ms: 50 }),
      call(2, { kind: 'tool', name: 'sql', error: 'refused: not a SELECT' }),
      call(3, { tokens_in: 1500, tokens_out: 300, estimated_cost_usd: 0.0025, latency_ms: 2000 }),
      // Started after the range: not counted.
      call(59, { tokens_in: 9999, estimated_cost_usd: 9 }),
    ]);
    const usage = await reader.copilotUsage({ from: '2024-02-01T10:00:00Z', to: '2024-02-01T10:00:30Z' });
    expect(usage).toMatchObject({ calls: 4, modelCalls: 2, toolCalls: 2, errors: 1, tokensIn: 2500, tokensOut: 500 });
    expect(usage.estimatedCostUsd).toBeCloseTo(0.004, 9);
    // Latencies 50, 100, 300, 2000 ms, interpolated: p50 halfway from 100 to 300, p95 at 0.85 from 300 to 2000.
    expect(usage.latency).toMatchObject({ rows: 4, p50Ms: 200, maxMs: 2000 });
    expect(usage.latency.p95Ms).toBeCloseTo(1745, 6);
    expect(await reader.copilotUsage({ from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' })).toEqual({
      calls: 0,
      modelCalls: 0,
      toolCalls: 0,
      errors: 0,
      tokensIn: 0,
      tokensOut: 0,
      estimatedCostUsd: 0,
      latency: { rows: 0, p50Ms: null, p95Ms: null, maxMs: null },
    });
  });

  it('lists the model versions that wrote scores and forecasts', async () => {
    const models = await reader.modelActivity(all);
    expect(models.map((m) => [m.table, m.model, m.modelVersion, m.rows])).toEqual([
      ['anomaly_scores', 'stream-univariate', '1.0.0', 268],
      ['forecasts', 'steel-forecast', '1.0.0', 24],
      ['forecasts', 'steel-forecast', '2.0.0', 24],
    ]);
  });

  it('sees rows the writer commits after the reader opened', async () => {
    const row = { ...readingRows()[0]!, reading_id: 'rd-late', ts: tsAt(300) };
    await warehouse.insert(readings, [row]);
    const points = await reader.series({ ...series, range: { from: tsAt(299), to: tsAt(301) } });
    expect(points.map((p) => p.ts)).toEqual([tsAt(300)]);
  });
});
