import { beforeEach, describe, expect, it } from 'vitest';
import { bigQueryReader } from '../../shared/warehouse/bigquery-reader.js';
import type { WarehouseReader } from '../../shared/warehouse/read-port.js';
import { TABLES } from '../../shared/warehouse/schema/tables.js';
import { FakeBigQuery, type QueryAnswer, type SeenQuery } from '../support/fake-bigquery.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const DATASET = 'kilowatch_test';
const BYTES = 2_000_000_000;
const range = { from: '2024-01-01T00:00:00.000Z', to: '2024-01-02T00:00:00.000Z' };
const series = { deviceId: 'pump-1', metric: 'power_kw', range };

let fake: FakeBigQuery;
let reader: WarehouseReader;
let seen: SeenQuery[];
let answer: QueryAnswer;

const int = (name: string) => ({ name, type: 'INT64' as const, mode: 'NULLABLE' as const });
const str = (name: string) => ({ name, type: 'STRING' as const, mode: 'NULLABLE' as const });
const float = (name: string) => ({ name, type: 'FLOAT64' as const, mode: 'NULLABLE' as const });

useGoogleAuthGuard();

useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (fake = f));
beforeEach(() => {
  seen = [];
  answer = { fields: [], rows: [] };
  fake.onQuery((q) => {
    seen.push(q);
    return answer;
  });
  reader = bigQueryReader({
    projectId: PROJECT,
    dataset: DATASET,
    location: 'EU',
    apiEndpoint: fake.url,
    retry: { maxRetries: 0 },
    maximumBytesBilled: BYTES,
    timeoutMs: 5000,
  });
});

/** Every scan of a table filters on its partition column (and deduplicates after the filter). */
function expectPrunedScans(query: string): void {
  let scans = 0;
  for (const table of TABLES) {
    const parts = query.split(`FROM \`${PROJECT}.${DATASET}.${table.name}\` WHERE `).slice(1);
    for (const part of parts) {
      const where = part.slice(0, part.indexOf('QUALIFY'));
      expect(where, `${table.name} scan`).toMatch(new RegExp(`\\b${table.partitionBy} >= TIMESTAMP\\(@\\w+\\)`));
      expect(part.slice(part.indexOf('QUALIFY'))).toMatch(
        new RegExp(`^QUALIFY ROW_NUMBER\\(\\) OVER \\(PARTITION BY ${table.key} ORDER BY ${table.firstBy}\\) = 1`),
      );
      scans++;
    }
  }
  expect(scans).toBeGreaterThan(0);
  expect(query).not.toMatch(/FROM `[^`]+` (?!WHERE)/);
}

function only(): SeenQuery {
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('BigQuery read port through the client library', () => {
  it('sends every read query with maximumBytesBilled, a timeout, GoogleSQL, the location and pruned scans', async () => {
    const calls: Array<() => Promise<unknown>> = [
      () => reader.series(series),
      () => reader.seriesSummary(series),
      () => reader.seriesBuckets(series, 100),
      () => reader.latestForecast(series),
      () =>
        reader.anomalyScores(
          { range, deviceId: 'pump-1', anomaliesOnly: true },
          { limit: 50, after: { ts: range.to, id: 'x' } },
        ),
      () => reader.alerts({ range, state: 'open', severity: 'critical' }, { limit: 50 }),
      () => reader.alert('al-1', range),
      () => reader.deviceActivity(range),
      () => reader.pipelineCounts({ since: range.from, until: range.to, readingsSince: '2023-12-25T00:00:00.000Z' }),
      () => reader.modelActivity(range),
      () => reader.copilotUsage(range),
    ];
    for (const call of calls) {
      seen = [];
      await call();
      const q = only();
      expect(q.body).toMatchObject({
        useLegacySql: false,
        location: 'EU',
        maximumBytesBilled: String(BYTES),
        timeoutMs: 5000,
      });
      expect(q.body.labels).toMatchObject({ kilowatch: 'api' });
      expectPrunedScans(q.query);
    }
  });

  it('binds values as named parameters and writes only validated integers into the text', async () => {
    const hostile = "pump'; DROP TABLE readings; --";
    await reader.anomalyScores(
      { range, deviceId: hostile, metric: 'power_kw', minScore: 0.5 },
      { limit: 25, after: { ts: range.to, id: 'sc-9' } },
    );
    const q = only();
    expect(q.query).not.toContain(hostile);
    expect(q.query).toContain('LIMIT 25');
    expect(q.query).toContain('ORDER BY s.ts DESC, s.score_id DESC');
    expect(q.params).toEqual({
      from: { type: 'STRING', value: range.from },
      to: { type: 'STRING', value: range.to },
      device: { type: 'STRING', value: hostile },
      metric: { type: 'STRING', value: 'power_kw' },
      min_score: { type: 'FLOAT64', value: 0.5 },
      after_ts: { type: 'STRING', value: range.to },
      after_id: { type: 'STRING', value: 'sc-9' },
    });
    await expect(reader.anomalyScores({ range }, { limit: 1.5 })).rejects.toThrow(
      /limit must be a non-negative integer/,
    );
  });

  it('sums the copilot calls of the range from copilot_calls, bound by started_at', async () => {
    await reader.copilotUsage(range);
    const q = only();
    expect(q.query).toContain(`FROM \`${PROJECT}.${DATASET}.copilot_calls\` WHERE started_at >= TIMESTAMP(@from)`);
    expect(q.query).toContain('SUM(estimated_cost_usd)');
    expect(q.query).toContain('APPROX_QUANTILES(latency_ms');
    expect(q.params).toEqual({
      from: { type: 'STRING', value: range.from },
      to: { type: 'STRING', value: range.to },
    });
  });

  it('asks for M4 buckets over the range with the bucket count and the range in milliseconds', async () => {
    await reader.seriesBuckets(series, 500);
    const q = only();
    expect(q.query).toContain('FLOOR((t - @from_ms) * 500 / @span_ms)');
    expect(q.query).toContain('MIN_BY(t, value)');
    expect(q.params.from_ms).toEqual({ type: 'INT64', value: Date.parse(range.from) });
    expect(q.params.span_ms).toEqual({ type: 'INT64', value: 86_400_000 });
  });

  it('turns result rows into views: alerts with their acknowledgement', async () => {
    answer = {
      fields: [
        str('alert_id'),
        str('device_id'),
        str('metric'),
        str('kind'),
        str('severity'),
        str('message'),
        float('score'),
        int('ts'),
        int('created_at'),
        str('acknowledged_by'),
        int('acknowledged_at'),
        str('note'),
      ],
      rows: [
        {
          alert_id: 'al-2',
          device_id: 'pump-1',
          metric: 'power_kw',
          kind: 'anomaly',
          severity: 'critical',
          message: 'm',
          score: 0.97,
          ts: Date.parse('2024-01-01T10:00:00Z'),
          created_at: Date.parse('2024-01-01T10:00:02Z'),
          acknowledged_by: 'ops@example.com',
          acknowledged_at: Date.parse('2024-01-01T11:00:00Z'),
          note: null,
        },
        {
          alert_id: 'al-1',
          device_id: 'pump-1',
          metric: null,
          kind: 'silence',
          severity: 'warning',
          message: 'n',
          score: null,
          ts: Date.parse('2024-01-01T09:00:00Z'),
          created_at: Date.parse('2024-01-01T09:00:00Z'),
          acknowledged_by: null,
          acknowledged_at: null,
          note: null,
        },
      ],
    };
    const alerts = await reader.alerts({ range }, { limit: 10 });
    expect(alerts).toEqual([
      {
        alertId: 'al-2',
        deviceId: 'pump-1',
        ts: '2024-01-01T10:00:00.000Z',
        metric: 'power_kw',
        kind: 'anomaly',
        severity: 'critical',
        message: 'm',
        score: 0.97,
        createdAt: '2024-01-01T10:00:02.000Z',
        acknowledgement: { by: 'ops@example.com', at: '2024-01-01T11:00:00.000Z', note: null },
      },
      {
        alertId: 'al-1',
        deviceId: 'pump-1',
        ts: '2024-01-01T09:00:00.000Z',
        metric: null,
        kind: 'silence',
        severity: 'warning',
        message: 'n',
        score: null,
        createdAt: '2024-01-01T09:00:00.000Z',
        acknowledgement: null,
      },
    ]);
  });

  it('turns result rows into views: a series with repeated flags', async () => {
    answer = {
      fields: [
        int('t'),
        float('value'),
        str('status'),
        { name: 'flags', type: 'STRING', mode: 'REPEATED' },
        float('score'),
        { name: 'is_anomaly', type: 'BOOLEAN', mode: 'NULLABLE' },
      ],
      rows: [
        { t: Date.parse(range.from), value: 3.5, status: 'accepted', flags: ['spike'], score: 0.99, is_anomaly: true },
      ],
    };
    expect(await reader.series(series)).toEqual([
      { ts: range.from, value: 3.5, status: 'accepted', flags: ['spike'], score: 0.99, isAnomaly: true },
    ]);
  });

  it('fails a query that does not complete within the timeout', async () => {
    fake.pollsBeforeComplete = 1;
    await expect(reader.seriesSummary(series)).rejects.toThrow(/did not complete before 5000ms/);
  });
});
