import { describe, expect, it } from 'vitest';
import { BigQueryIncidentReads } from '../../shared/alerting/bigquery-incident-reads.js';
import { BigQueryWarehouse } from '../../shared/warehouse/bigquery.js';
import { bigQueryFields } from '../../shared/warehouse/schema/ddl.js';
import { incidents, TABLES, type IncidentRow } from '../../shared/warehouse/schema/tables.js';
import { FakeBigQuery } from '../support/fake-bigquery.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const DATASET = 'kilowatch_test';
let fake: FakeBigQuery;

const ROW: IncidentRow = {
  event_id: 'e1',
  incident_id: 'a'.repeat(32),
  version: 2,
  state: 'acknowledged',
  change: 'acknowledged',
  device_id: 'p/m1',
  metric: 'temperature_c',
  kind: 'anomaly',
  severity: 'warning',
  opened_at: '2024-03-01T08:00:00.000Z',
  last_seen_at: '2024-03-01T08:10:00.000Z',
  anomalies: 4,
  peak_score: 0.93,
  devices: ['p/m1'],
  metrics: ['temperature_c'],
  message: 'hot',
  actor: 'ana',
  changed_at: '2024-03-01T08:12:00.000Z',
  resolved_at: null,
  group_id: null,
};

const reads = (readLimits?: { maximumBytesBilled: number; timeoutMs: number }) =>
  new BigQueryIncidentReads(
    new BigQueryWarehouse({
      projectId: PROJECT,
      dataset: DATASET,
      location: 'EU',
      apiEndpoint: fake.url,
      retry: { maxRetries: 0 },
      ...(readLimits ? { readLimits } : {}),
    }),
  );

useGoogleAuthGuard();
useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (fake = f));

describe('BigQueryIncidentReads (real client, BigQuery REST fake)', () => {
  it('reads the latest row per incident from the dedup view, filters as parameters, rows back in the table shape', async () => {
    fake.onQuery((q) =>
      q.query.includes('incidents_dedup') ? { fields: bigQueryFields(incidents), rows: [ROW] } : undefined,
    );
    const rows = await reads().currentIncidents({
      changedSince: '2024-02-23T00:00:00Z',
      states: ['open', 'acknowledged'],
      deviceId: "p/m1' OR 1=1",
    });
    expect(rows).toEqual([ROW]);
    const body = fake.queryRequests()[0]!.body as {
      query: string;
      queryParameters: Array<{ name: string; parameterValue: unknown }>;
    };
    expect(body.query).toContain(`\`${PROJECT}.${DATASET}.incidents_dedup\``);
    expect(body.query).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY version DESC) = 1');
    expect(body.query).not.toContain('OR 1=1');
    expect(body.queryParameters.find((p) => p.name === 'device')?.parameterValue).toEqual({ value: "p/m1' OR 1=1" });
    // One incident (the API's acknowledge and resolve look it up): filtered before the window, as a parameter;
    // the api's warehouse bounds its selects as its read port does.
    await reads({ maximumBytesBilled: 1e9, timeoutMs: 5000 }).currentIncidents({
      incidentId: 'a'.repeat(32),
      states: ['open'],
    });
    const one = fake.queryRequests()[1]!.body as typeof body;
    expect(body).not.toHaveProperty('maximumBytesBilled');
    expect(one).toMatchObject({ maximumBytesBilled: '1000000000', timeoutMs: 5000 });
    expect(one.query).toMatch(/WHERE \(@incident = '' OR incident_id = @incident\) QUALIFY/);
    expect(one.queryParameters.find((p) => p.name === 'incident')?.parameterValue).toEqual({ value: 'a'.repeat(32) });
  });

  it('latest score per series within the partitions since `from`; nothing asked for no devices', async () => {
    expect(await reads().latestScores([], '2024-03-01T00:00:00Z')).toEqual([]);
    expect(fake.queryRequests()).toHaveLength(0);
    fake.onQuery(() => ({
      fields: [
        { name: 'device_id', type: 'STRING', mode: 'NULLABLE' },
        { name: 'metric', type: 'STRING', mode: 'NULLABLE' },
        { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
      ],
      rows: [{ device_id: 'p/m1', metric: 'temperature_c', ts: '2024-03-01T09:00:00.000Z' }],
    }));
    expect(await reads().latestScores(['p/m1'], '2024-03-01T00:00:00Z')).toEqual([
      { deviceId: 'p/m1', metric: 'temperature_c', tsMs: Date.parse('2024-03-01T09:00:00Z') },
    ]);
    expect((fake.queryRequests()[0]!.body as { query: string }).query).toContain('ts >= TIMESTAMP(@from)');
  });

  it('newest reading per device since `since` from the device_last_seen materialized view, not readings', async () => {
    fake.onQuery((q) =>
      q.query.includes('device_last_seen')
        ? {
            fields: [
              { name: 'device_id', type: 'STRING', mode: 'NULLABLE' },
              { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
            ],
            rows: [{ device_id: 'p/m1', ts: '2024-03-01T09:00:00.000Z' }],
          }
        : undefined,
    );
    expect(await reads().lastReadings('2024-02-23T00:00:00Z')).toEqual([
      { deviceId: 'p/m1', tsMs: Date.parse('2024-03-01T09:00:00Z') },
    ]);
    const body = fake.queryRequests()[0]!.body as {
      query: string;
      queryParameters: Array<{ name: string; parameterValue: unknown }>;
    };
    expect(body.query).toBe(
      `SELECT device_id, MAX(last_ts) AS ts FROM \`${PROJECT}.${DATASET}.device_last_seen\` ` +
        'WHERE day >= TIMESTAMP_TRUNC(TIMESTAMP(@since), DAY) AND last_ts >= TIMESTAMP(@since) GROUP BY device_id',
    );
    expect(body.query).not.toContain('.readings`');
    expect(body.queryParameters).toEqual([
      { name: 'since', parameterType: { type: 'STRING' }, parameterValue: { value: '2024-02-23T00:00:00Z' } },
    ]);
  });
});
