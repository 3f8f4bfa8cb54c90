import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTransient, TransientError } from '../../shared/errors/transient.js';
import { BigQueryWarehouse, type BigQueryWarehouseOptions } from '../../shared/warehouse/bigquery.js';
import { bigQueryFields } from '../../shared/warehouse/schema/ddl.js';
import {
  TABLES,
  forecasts,
  readings,
  type ForecastRow,
  type ReadingRow,
} from '../../shared/warehouse/schema/tables.js';
import { FakeBigQuery, type SeenQuery } from '../support/fake-bigquery.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const DATASET = 'kilowatch_test';

let fake: FakeBigQuery;
const opened: BigQueryWarehouse[] = [];

function warehouse(overrides: Partial<BigQueryWarehouseOptions> = {}): BigQueryWarehouse {
  const wh = new BigQueryWarehouse({
    projectId: PROJECT,
    dataset: DATASET,
    location: 'EU',
    apiEndpoint: fake.url,
    // Real retry logic of the client, with waits of at most 10 ms.
    retry: { maxRetries: 2, maxRetryDelaySeconds: 0.01 },
    ...overrides,
  });
  opened.push(wh);
  return wh;
}

function reading(i: number, over: Partial<ReadingRow> = {}): ReadingRow {
  return readings.row.parse({
    reading_id: `rd-${String(i).padStart(5, '0')}`,
    device_id: 'pump-1',
    ts: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    metric: i % 2 === 0 ? 'power_kw' : 'flow_m3h',
    value: 10 + i / 4,
    unit: i % 2 === 0 ? 'kW' : 'm3/h',
    original_value: 10 + i / 4,
    original_unit: null,
    status: 'accepted',
    flags: i % 3 === 0 ? ['spike', 'unit_converted'] : [],
    message_id: `msg-${Math.floor(i / 10)}`,
    seq: i,
    ingested_at: '2024-01-01T01:00:00.000Z',
    ...over,
  });
}

function insertedRows(table = 'readings') {
  return fake
    .insertRequests(table)
    .flatMap((r) => (r.body as { rows: Array<{ insertId: string; json: unknown }> }).rows);
}

/** What `recentReadings`' SQL computes, done in JS over the rows the fake stored. */
function answerRecentReadings(q: SeenQuery) {
  if (!q.query.includes('.readings`') || !q.params.device_id || !q.params.n) return undefined;
  const device = q.params.device_id.value;
  const n = Number(q.params.n.value);
  const byMetric = new Map<string, Array<Record<string, unknown>>>();
  for (const row of fake.rows('readings').filter((r) => r.device_id === device)) {
    byMetric.set(String(row.metric), [...(byMetric.get(String(row.metric)) ?? []), row]);
  }
  const latest = [...byMetric.values()].flatMap((rows) =>
    rows.sort((a, b) => String(b.ts).localeCompare(String(a.ts))).slice(0, n),
  );
  latest.sort((a, b) => String(b.ts).localeCompare(String(a.ts)) || String(a.metric).localeCompare(String(b.metric)));
  return { fields: bigQueryFields(readings), rows: latest };
}

useGoogleAuthGuard();

useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (fake = f));

afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.close()));
});

describe('BigQueryWarehouse.insert', () => {
  it('streams rows to tabledata.insertAll with insertId = reading_id and the row as json', async () => {
    const rows = [reading(1), reading(2, { value: null, original_value: null, flags: ['missing'], seq: null })];
    await warehouse().insert(readings, rows);

    const [request, ...more] = fake.insertRequests('readings');
    expect(more).toHaveLength(0);
    expect(request!.path).toBe(`/bigquery/v2/projects/${PROJECT}/datasets/${DATASET}/tables/readings/insertAll`);
    expect(request!.headers.authorization).toBeUndefined();
    const sent = (request!.body as { rows: Array<{ insertId: string; json: unknown }> }).rows;
    expect(sent.map((r) => r.insertId)).toEqual(['rd-00001', 'rd-00002']);
    for (const r of sent) expect(readings.row.parse(r.json)).toEqual(r.json);
    expect(sent.map((r) => r.json)).toEqual(rows);
    expect(fake.rows('readings')).toEqual(rows);
  });

  it('splits large writes into requests of at most 500 rows', async () => {
    const rows = Array.from({ length: 1234 }, (_, i) => reading(i));
    await warehouse().insert(readings, rows);

    const sizes = fake.insertRequests('readings').map((r) => (r.body as { rows: unknown[] }).rows.length);
    expect(sizes.sort((a, b) => b - a)).toEqual([500, 500, 234]);
    expect(new Set(insertedRows().map((r) => r.insertId)).size).toBe(1234);
    expect(fake.rows('readings')).toHaveLength(1234);
  });

  it('splits by size too: no request carries much more than 5 MB', async () => {
    const bulky = 'x'.repeat(40_000);
    const rows = Array.from({ length: 300 }, (_, i) => reading(i, { flags: [bulky] })); // ~12 MB in all
    await warehouse().insert(readings, rows);

    const requests = fake.insertRequests('readings');
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const r of requests) expect(r.bodyBytes).toBeLessThanOrEqual(5 * 1024 * 1024 + 1024);
    expect(fake.rows('readings')).toHaveLength(300);
  });

  it('does not duplicate rows on redelivery: the same insertIds are sent again and dropped', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => reading(i));
    const wh = warehouse();
    await wh.insert(readings, rows);
    await wh.insert(readings, rows);

    const [first, second] = fake.insertRequests('readings');
    const ids = (r: typeof first) => (r!.body as { rows: Array<{ insertId: string }> }).rows.map((x) => x.insertId);
    expect(ids(second)).toEqual(ids(first));
    expect(fake.rows('readings')).toHaveLength(20);
    expect(fake.duplicatesDropped).toBe(20);
  });

  it('writes other tables keyed by their own key column', async () => {
    const alert = {
      alert_id: 'al-1',
      device_id: 'pump-1',
      ts: '2024-01-01T00:00:00.000Z',
      metric: null,
      kind: 'silence',
      severity: 'warning' as const,
      message: 'no data for 15 min',
      score: null,
      created_at: '2024-01-01T00:15:00.000Z',
    };
    await warehouse().insert(TABLES[5], [alert]);
    expect(insertedRows('alerts')).toEqual([{ insertId: 'al-1', json: alert }]);
  });

  it('rides out a single 503 with the client retry, re-sending the same insertIds', async () => {
    fake.failNext(1);
    await warehouse().insert(readings, [reading(1)]);
    const requests = fake.insertRequests('readings');
    expect(requests).toHaveLength(2);
    expect(requests[0]!.body).toEqual(requests[1]!.body);
    expect(fake.rows('readings')).toHaveLength(1);
  });

  it.each([
    ['503 backendError', { kind: 'status', status: 503, reason: 'backendError' }],
    ['500 internalError', { kind: 'status', status: 500, reason: 'internalError' }],
    ['429 rateLimitExceeded', { kind: 'status', status: 429, reason: 'rateLimitExceeded' }],
    ['403 quotaExceeded', { kind: 'status', status: 403, reason: 'quotaExceeded' }],
    ['502 with an HTML body', { kind: 'status', status: 502, html: true }],
    ['connection reset', { kind: 'reset' }],
  ] as const)('throws TransientError when BigQuery keeps answering %s', async (_name, failure) => {
    fake.failNext(10, failure);
    const error = await warehouse()
      .insert(readings, [reading(1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(fake.rows('readings')).toHaveLength(0);
  });

  it('fails at once with TransientError when retries are off', async () => {
    fake.failNext(1);
    const error = await warehouse({ retry: { maxRetries: 0 } })
      .insert(readings, [reading(1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(fake.insertRequests('readings')).toHaveLength(1);
  });

  it('throws a permanent Error for a 403 accessDenied', async () => {
    fake.failNext(1, { kind: 'status', status: 403, reason: 'accessDenied', message: 'Access Denied: Table readings' });
    const error = (await warehouse()
      .insert(readings, [reading(1)])
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(isTransient(error)).toBe(false);
    expect(error.message).toContain('Access Denied');
  });

  it('throws a permanent Error naming the first row error, writing nothing of the request', async () => {
    fake.rejectRows((_table, row) =>
      row.reading_id === 'rd-00003'
        ? { reason: 'invalid', location: 'value', message: 'Value out of range.' }
        : undefined,
    );
    const rows = Array.from({ length: 5 }, (_, i) => reading(i));
    const error = (await warehouse()
      .insert(readings, rows)
      .catch((e: unknown) => e)) as Error;

    expect(isTransient(error)).toBe(false);
    expect(error.message).toContain('readings row 3');
    expect(error.message).toContain('rd-00003');
    expect(error.message).toContain('invalid at value: Value out of range.');
    expect(fake.rows('readings')).toHaveLength(0);
    // One request: the library's own partial retries (which would re-send the batch) are off.
    expect(fake.insertRequests('readings')).toHaveLength(1);
  });

  it('counts row indexes across chunks in the row error', async () => {
    fake.rejectRows((_t, row) =>
      row.reading_id === 'rd-00777' ? { reason: 'invalid', message: 'bad row' } : undefined,
    );
    const rows = Array.from({ length: 1000 }, (_, i) => reading(i));
    const error = (await warehouse({ insertConcurrency: 1 })
      .insert(readings, rows)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('readings row 777 (reading_id rd-00777)');
  });

  it('a row the real schema refuses (unknown column) fails permanently', async () => {
    const bad = { ...reading(1), colour: 'red' } as unknown as ReadingRow;
    const error = (await warehouse()
      .insert(readings, [bad])
      .catch((e: unknown) => e)) as Error;
    expect(isTransient(error)).toBe(false);
    expect(error.message).toContain('no such field: colour.');
  });

  it('row errors that are rate limits or backend errors are transient', async () => {
    fake.rejectRows(() => ({ reason: 'backendError', message: 'try again' }));
    const error = await warehouse()
      .insert(readings, [reading(1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
  });

  it('sends nothing for an empty write', async () => {
    await warehouse().insert(readings, []);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('BigQueryWarehouse.recentReadings', () => {
  const hostile = "x' OR 1=1 --";

  beforeEach(async () => {
    const rows = [
      ...Array.from({ length: 12 }, (_, i) => reading(i)),
      reading(100, { device_id: hostile, reading_id: 'rd-hostile' }),
      reading(101, { device_id: 'pump-2', reading_id: 'rd-other' }),
      reading(5, {
        reading_id: 'rd-micro',
        ts: '2024-01-01T00:00:30.123456Z',
        flags: ['stuck'],
        value: -0.5,
        seq: null,
      }),
    ];
    await warehouse().insert(readings, rows);
    fake.onQuery(answerRecentReadings);
  });

  it('filters the base table on the device before deduplicating, the device id a query parameter only', async () => {
    await warehouse().recentReadings('pump-1', 3);
    const [request] = fake.queryRequests();
    const body = request!.body as Record<string, unknown>;
    expect(request!.path).toBe(`/bigquery/v2/projects/${PROJECT}/queries`);
    expect(body.useLegacySql).toBe(false);
    expect(body.location).toBe('EU');
    expect(body.query).toContain(`\`${PROJECT}.${DATASET}.readings\` WHERE device_id = @device_id`);
    expect(body.query).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1');
    expect(body.query).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY metric ORDER BY ts DESC) <= @n');
    expect(body.query).toContain('device_id = @device_id');
    expect(body.query).not.toContain('pump-1');
    expect(body.queryParameters).toEqual(
      expect.arrayContaining([
        { name: 'device_id', parameterType: { type: 'STRING' }, parameterValue: { value: 'pump-1' } },
        { name: 'n', parameterType: { type: 'INT64' }, parameterValue: { value: 3 } },
      ]),
    );
  });

  it('keeps a hostile device id out of the SQL text', async () => {
    const rows = await warehouse().recentReadings(hostile, 5);
    const body = fake.queryRequests()[0]!.body as {
      query: string;
      queryParameters: Array<{ name: string; parameterValue: { value: unknown } }>;
    };
    expect(body.query).not.toContain(hostile);
    expect(body.query).not.toContain("'x'");
    expect(body.queryParameters.find((p) => p.name === 'device_id')!.parameterValue.value).toBe(hostile);
    expect(rows.map((r) => r.reading_id)).toEqual(['rd-hostile']);
  });

  it('returns the latest N per metric, newest first, converted back to ReadingRow', async () => {
    const rows = await warehouse().recentReadings('pump-1', 2);
    expect(rows.map((r) => [r.metric, r.ts])).toEqual([
      ['flow_m3h', '2024-01-01T00:00:30.123456Z'],
      ['flow_m3h', '2024-01-01T00:00:11.000Z'],
      ['power_kw', '2024-01-01T00:00:10.000Z'],
      ['power_kw', '2024-01-01T00:00:08.000Z'],
    ]);
    for (const r of rows) expect(readings.row.parse(r)).toEqual(r);
    const micro = rows.find((r) => r.reading_id === 'rd-micro')!;
    expect(micro).toEqual({
      ...reading(5),
      reading_id: 'rd-micro',
      ts: '2024-01-01T00:00:30.123456Z',
      flags: ['stuck'],
      value: -0.5,
      seq: null,
    });
    const stored = new Map(fake.rows('readings').map((r) => [r.reading_id, r]));
    for (const r of rows) expect(r).toEqual(stored.get(r.reading_id));
  });

  it('follows the client through an unfinished job and paged results (jobs.getQueryResults)', async () => {
    fake.pollsBeforeComplete = 1;
    fake.pageSize = 3;
    const rows = await warehouse().recentReadings('pump-1', 4);
    expect(rows).toHaveLength(8);
    const gets = fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/queries/'));
    expect(gets.length).toBeGreaterThanOrEqual(3);
    expect(gets[0]!.query.location).toBe('EU');
  });

  it('answers nothing for a device without readings and for perMetric 0', async () => {
    expect(await warehouse().recentReadings('nobody', 3)).toEqual([]);
    expect(await warehouse().recentReadings('pump-1', 0)).toEqual([]);
    await expect(warehouse().recentReadings('pump-1', -1)).rejects.toThrow(RangeError);
  });

  it('maps a failing query to TransientError', async () => {
    fake.failNext(10);
    await expect(warehouse().recentReadings('pump-1', 3)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('BigQueryWarehouse.knownReadings', () => {
  it('looks ids up as an array parameter inside the time range, pruning partitions', async () => {
    await warehouse().insert(readings, [reading(1), reading(2)]);
    fake.onQuery(() => ({
      fields: bigQueryFields(readings),
      rows: fake.rows('readings').filter((r) => r.reading_id === reading(1).reading_id),
    }));
    const found = await warehouse().knownReadings(
      'pump-1',
      [reading(1).reading_id, 'nope'],
      '2024-01-01T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
    );
    expect(found.map((r) => r.reading_id)).toEqual([reading(1).reading_id]);
    const body = fake.queryRequests()[0]!.body as { query: string; queryParameters: Array<Record<string, unknown>> };
    expect(body.query).toContain('ts BETWEEN TIMESTAMP(@from) AND TIMESTAMP(@to) AND reading_id IN UNNEST(@ids)');
    const ids = body.queryParameters.find((p) => p.name === 'ids')!;
    expect(ids.parameterType).toEqual({ type: 'ARRAY', arrayType: { type: 'STRING' } });
    expect(ids.parameterValue).toEqual({ arrayValues: [{ value: reading(1).reading_id }, { value: 'nope' }] });
  });

  it('asks nothing for no ids', async () => {
    expect(await warehouse().knownReadings('pump-1', [], '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')).toEqual([]);
    expect(fake.queryRequests()).toHaveLength(0);
  });
});

describe('BigQueryWarehouse.latestForecasts', () => {
  const forecast = (target: string, over: Partial<ForecastRow> = {}): ForecastRow =>
    forecasts.row.parse({
      forecast_id: `fc-${target}`,
      device_id: 'pump-1',
      metric: 'power_kw',
      issued_at: '2024-01-01T02:00:05.000Z',
      origin: '2024-01-01T02:00:00.000Z',
      target_ts: target,
      p10: 1.5,
      p50: 2.25,
      p90: 3,
      model: 'lgbm',
      model_version: '3',
      ...over,
    });

  it('keeps the latest origin per target after deduplicating, the target range pruning partitions', async () => {
    const answer = [
      forecast('2024-01-01T03:00:00.000Z', {
        origin: '2024-01-01T00:00:00.000Z',
        issued_at: '2024-01-01T00:00:05.123456Z',
      }),
      forecast('2024-01-01T04:00:00.000Z', { p50: -0.5 }),
    ];
    fake.onQuery((q) =>
      q.query.includes('.forecasts`') ? { fields: bigQueryFields(forecasts), rows: answer } : undefined,
    );
    const rows = await warehouse().latestForecasts(
      'pump-1',
      'power_kw',
      '2024-01-01T03:00:00Z',
      '2024-01-01T05:00:00Z',
    );

    const body = fake.queryRequests()[0]!.body as { query: string; queryParameters: Array<Record<string, unknown>> };
    expect(body.query).toContain(
      `FROM \`${PROJECT}.${DATASET}.forecasts\` WHERE device_id = @device_id AND metric = @metric ` +
        'AND target_ts BETWEEN TIMESTAMP(@from) AND TIMESTAMP(@to) ' +
        'QUALIFY ROW_NUMBER() OVER (PARTITION BY forecast_id ORDER BY issued_at) = 1',
    );
    expect(body.query).toContain(
      'QUALIFY ROW_NUMBER() OVER (PARTITION BY target_ts ORDER BY origin DESC, issued_at DESC) = 1',
    );
    expect(body.query).toMatch(/ORDER BY target_ts$/);
    expect(body.query).not.toContain('pump-1');
    expect(body.queryParameters).toEqual([
      { name: 'device_id', parameterType: { type: 'STRING' }, parameterValue: { value: 'pump-1' } },
      { name: 'metric', parameterType: { type: 'STRING' }, parameterValue: { value: 'power_kw' } },
      { name: 'from', parameterType: { type: 'STRING' }, parameterValue: { value: '2024-01-01T03:00:00Z' } },
      { name: 'to', parameterType: { type: 'STRING' }, parameterValue: { value: '2024-01-01T05:00:00Z' } },
    ]);
    // Back in the row shape: ISO timestamps (microseconds kept), numbers as numbers.
    expect(rows).toEqual(answer);
  });
});

describe('BigQueryWarehouse.counts', () => {
  it('counts every table through its dedup view in one query', async () => {
    fake.onQuery((q) => ({
      fields: [
        { name: 'table_name', type: 'STRING', mode: 'NULLABLE' },
        { name: 'row_count', type: 'INT64', mode: 'NULLABLE' },
      ],
      rows: [...q.query.matchAll(/'(\w+)' AS table_name/g)].map(([, name], i) => ({
        table_name: name,
        row_count: i * 10,
      })),
    }));
    const counts = await warehouse().counts();
    expect(fake.queryRequests()).toHaveLength(1);
    const query = (fake.queryRequests()[0]!.body as { query: string }).query;
    for (const t of TABLES) expect(query).toContain(`\`${PROJECT}.${DATASET}.${t.name}_dedup\``);
    expect(counts).toEqual(Object.fromEntries(TABLES.map((t, i) => [t.name, i * 10])));
  });
});

describe('BigQueryWarehouse.init', () => {
  it('passes when the dataset, every table and every dedup view exist', async () => {
    await warehouse().init();
    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain(`GET /bigquery/v2/projects/${PROJECT}/datasets/${DATASET}`);
    for (const t of TABLES)
      expect(paths).toContain(`GET /bigquery/v2/projects/${PROJECT}/datasets/${DATASET}/tables/${t.name}`);
  });

  it('names the missing tables and views and points at the infra deploy', async () => {
    fake.dropTable('alerts');
    fake.dropTable('forecasts_dedup');
    await expect(warehouse().init()).rejects.toThrow(
      'is not ready: missing tables alerts; missing views forecasts_dedup: run the infra deploy (docs/deploy.md)',
    );
  });

  it('names a missing dataset', async () => {
    fake.datasetExists = false;
    await expect(warehouse().init()).rejects.toThrow(`BigQuery dataset ${PROJECT}:${DATASET} does not exist`);
  });

  it('names a location mismatch', async () => {
    await expect(warehouse({ location: 'US' }).init()).rejects.toThrow(
      'it is in location EU but KILOWATCH_BQ_LOCATION is US',
    );
  });

  it('is transient when BigQuery is unavailable', async () => {
    fake.failNext(10);
    await expect(warehouse().init()).rejects.toBeInstanceOf(TransientError);
  });
});
