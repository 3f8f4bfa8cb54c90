import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTrainingSet } from '../../shared/forecast/training-set.js';
import { BigQueryWarehouse } from '../../shared/warehouse/bigquery.js';
import { DuckDbWarehouse } from '../../shared/warehouse/duckdb.js';
import { bigQueryFields } from '../../shared/warehouse/schema/ddl.js';
import { TABLES, readings, type ReadingRow } from '../../shared/warehouse/schema/tables.js';
import { FakeBigQuery } from '../support/fake-bigquery.js';
import { guardAgainstGoogleAuth } from '../support/no-google-auth.js';
import { kilowatch, parseCsv, tempDir } from './support.js';

const DEVICE = 'steel-plant/main-meter';

function reading(minute: number, metric: string, value: number | null, over: Partial<ReadingRow> = {}): ReadingRow {
  const ts = new Date(Date.UTC(2018, 0, 1, 0, minute)).toISOString();
  return readings.row.parse({
    reading_id: `${metric}-${minute}`,
    device_id: DEVICE,
    ts,
    metric,
    value,
    unit: metric === 'usage_kwh' ? 'kWh' : '%',
    original_value: value,
    original_unit: null,
    status: 'accepted',
    flags: [],
    message_id: `m-${minute}`,
    seq: minute,
    ingested_at: '2018-01-02T00:00:00.000Z',
    ...over,
  });
}

const ROWS: ReadingRow[] = [
  reading(0, 'usage_kwh', 3.17),
  reading(0, 'lagging_pf', 73.21),
  reading(15, 'usage_kwh', 4),
  reading(15, 'lagging_pf', 66.77, { flags: ['spike'] }),
  reading(30, 'usage_kwh', 9.5, { status: 'repaired', flags: ['imputed'], original_value: null }),
  reading(30, 'lagging_pf', 70),
  reading(45, 'usage_kwh', 55, { flags: ['stuck'] }),
  reading(45, 'lagging_pf', 71),
  reading(60, 'usage_kwh', 3.31),
  reading(60, 'lagging_pf', 68.09),
  reading(0, 'usage_kwh', 1, { device_id: 'other', reading_id: 'other-0' }),
];

let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir('kw-export-');
  const wh = await DuckDbWarehouse.open(join(tmp.path, 'data', 'warehouse.duckdb'));
  await wh.init();
  await wh.insert(readings, ROWS);
  // Redelivery: the dedup view keeps one row per reading_id.
  await wh.insert(readings, ROWS.slice(0, 2));
  await wh.close();
});
afterAll(() => tmp.remove());

describe('kilowatch export-training-set (DuckDB)', () => {
  const env = () => ({ KILOWATCH_DATA_DIR: join(tmp.path, 'data'), KILOWATCH_BACKEND: 'local' });

  it("pivots a device's metrics over [from, to) into ts + one column per metric; repaired and untrusted values become empty", async () => {
    const output = join(tmp.path, 'set.csv');
    const r = await kilowatch(
      [
        'export-training-set',
        '--device',
        DEVICE,
        '--metric',
        'usage_kwh,lagging_pf',
        '--from',
        '2018-01-01T00:00:00Z',
        '--to',
        '2018-01-01T01:00:00Z',
        '--output',
        output,
      ],
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      rows: 4,
      values: 6,
      dropped: { repaired: 1, stuck: 1 },
      missingMetrics: [],
    });
    expect(parseCsv(readFileSync(output, 'utf8'))).toEqual([
      ['ts', 'usage_kwh', 'lagging_pf'],
      ['2018-01-01T00:00:00.000Z', '3.17', '73.21'],
      ['2018-01-01T00:15:00.000Z', '4', '66.77'],
      ['2018-01-01T00:30:00.000Z', '', '70'],
      ['2018-01-01T00:45:00.000Z', '', '71'],
    ]);
  });

  it('writes stored values as they are with --quality all, one metric', async () => {
    const output = join(tmp.path, 'all.csv');
    const r = await kilowatch(
      [
        'export-training-set',
        '--device',
        DEVICE,
        '--metric',
        'usage_kwh',
        '--from',
        '2018-01-01',
        '--to',
        '2018-01-02',
        '--quality',
        'all',
        '--output',
        output,
      ],
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(parseCsv(readFileSync(output, 'utf8')).map((x) => x[1])).toEqual([
      'usage_kwh',
      '3.17',
      '4',
      '9.5',
      '55',
      '3.31',
    ]);
  });

  it('says when nothing matches', async () => {
    const r = await kilowatch(
      [
        'export-training-set',
        '--device',
        'nope',
        '--metric',
        'usage_kwh',
        '--from',
        '2018-01-01',
        '--to',
        '2018-01-02',
        '--output',
        join(tmp.path, 'n.csv'),
      ],
      env(),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no readings of usage_kwh for device 'nope'/);
  });
});

describe('export-training-set on BigQuery (local REST fake)', () => {
  it('queries the device, metrics and range as parameters and pivots the answer', async () => {
    const guard = await guardAgainstGoogleAuth();
    const fake = await FakeBigQuery.start({ projectId: 'kw-test', datasetId: 'kw', location: 'EU', tables: TABLES });
    try {
      fake.onQuery((q) => {
        if (!q.query.includes('`kw-test.kw.readings`')) return undefined;
        expect(q.params.device_id?.value).toBe(DEVICE);
        expect(q.params.from?.value).toBe('2018-01-01T00:00:00.000Z');
        expect(q.params.to?.value).toBe('2018-01-01T01:00:00.000Z');
        expect(q.query).toContain('metric IN UNNEST(@metrics)');
        expect(q.query).not.toContain(DEVICE);
        return {
          fields: bigQueryFields(readings),
          rows: ROWS.filter((x) => x.device_id === DEVICE && x.ts < '2018-01-01T01:00'),
        };
      });
      const source = new BigQueryWarehouse({
        projectId: 'kw-test',
        dataset: 'kw',
        location: 'EU',
        apiEndpoint: fake.url,
      });
      const output = join(tmp.path, 'bq.csv');
      const summary = await exportTrainingSet(source, {
        deviceId: DEVICE,
        metrics: ['usage_kwh', 'lagging_pf'],
        from: '2018-01-01T00:00:00Z',
        to: '2018-01-01T01:00:00Z',
        output,
      });
      expect(summary).toMatchObject({ rows: 4, values: 6 });
      expect(parseCsv(readFileSync(output, 'utf8'))[3]).toEqual(['2018-01-01T00:30:00.000Z', '', '70']);
      expect(fake.bugs).toEqual([]);
    } finally {
      await fake.close();
      await guard.restore();
    }
    expect(guard.hits).toEqual([]);
  });
});
