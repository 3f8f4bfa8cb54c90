import { beforeEach, describe, expect, it } from 'vitest';
import { BigQueryMonthExporter } from '../../shared/archive/bigquery-export.js';
import { exportClosedMonths, monthsDue } from '../../shared/archive/export-months.js';
import { BigQueryWarehouse } from '../../shared/warehouse/bigquery.js';
import { TABLES } from '../../shared/warehouse/schema/tables.js';
import type { FakeBigQuery, SeenQuery } from '../support/fake-bigquery.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const DATASET = 'kilowatch_test';
const RUN = 'ab'.repeat(16);
const NOW = new Date('2024-04-02T10:00:00Z');
let fake: FakeBigQuery;
let seen: SeenQuery[];
let filesRows: number;

const answer = (fields: Array<[string, string]>, rows: Array<Record<string, unknown>>) => ({
  fields: fields.map(([name, type]) => ({ name, type: type as 'STRING', mode: 'NULLABLE' as const })),
  rows,
});
const CHECK_FIELDS: Array<[string, string]> = [
  ['row_count', 'INT64'],
  ['checksum', 'STRING'],
];

useGoogleAuthGuard();
useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (fake = f));

beforeEach(() => {
  seen = [];
  filesRows = 100;
  fake.onQuery((q) => {
    seen.push(q);
    if (q.query.includes('FROM `kw-test.kilowatch_test.archive_exports`'))
      return answer(
        [
          ['year', 'INT64'],
          ['month', 'INT64'],
        ],
        [{ year: 2024, month: 1 }],
      );
    if (q.query.includes('INFORMATION_SCHEMA.PARTITIONS'))
      return answer([['oldest', 'STRING']], [{ oldest: '20231215' }]);
    if (q.query.startsWith('EXPORT DATA')) return { fields: [], rows: [] };
    if (q.query.includes('readings_archive')) return answer(CHECK_FIELDS, [{ row_count: filesRows, checksum: '-42' }]);
    if (q.query.includes('FROM `kw-test.kilowatch_test.readings`'))
      return answer(CHECK_FIELDS, [{ row_count: 100, checksum: '-42' }]);
    return undefined;
  });
});

function exporter() {
  const warehouse = new BigQueryWarehouse({
    projectId: PROJECT,
    dataset: DATASET,
    location: 'EU',
    apiEndpoint: fake.url,
  });
  return new BigQueryMonthExporter(warehouse, 'kw-archive-test');
}

describe('monthly export of closed readings partitions', () => {
  it('due: closed months from the oldest partition, not exported yet, settled for the late window, at most maxMonths', () => {
    const options = { now: NOW, lateHours: 48, maxMonths: 5 };
    const due = monthsDue('2023-12-15T00:00:00.000Z', [{ year: 2024, month: 1 }], options);
    // March ended 34 hours before NOW: late readings may still come.
    expect(due).toEqual([
      { year: 2023, month: 12 },
      { year: 2024, month: 2 },
    ]);
    expect(monthsDue('2023-12-15T00:00:00.000Z', [], { ...options, lateHours: 24 }).length).toBe(4);
    expect(monthsDue('2023-12-15T00:00:00.000Z', [], { ...options, maxMonths: 1 })).toEqual([
      { year: 2023, month: 12 },
    ]);
    expect(monthsDue(null, [], options)).toEqual([]);
  });

  it('exports each due month with EXPORT DATA, reads the files back, records only verified months', async () => {
    const done = await exportClosedMonths(exporter(), { now: NOW, lateHours: 48, maxMonths: 5, runId: () => RUN });
    expect(fake.bugs).toEqual([]);
    expect(done.map((d) => [d.year, d.month, d.rows, d.uri])).toEqual([
      [2023, 12, 100, `gs://kw-archive-test/readings/year=2023/month=12/run-${RUN}-*.parquet`],
      [2024, 2, 100, `gs://kw-archive-test/readings/year=2024/month=02/run-${RUN}-*.parquet`],
    ]);
    const exports = seen.filter((q) => q.query.startsWith('EXPORT DATA'));
    expect(exports).toHaveLength(2);
    expect(exports[1]!.query).toBe(
      `EXPORT DATA OPTIONS (uri = 'gs://kw-archive-test/readings/year=2024/month=02/run-${RUN}-*.parquet', ` +
        `format = 'PARQUET', compression = 'SNAPPY', overwrite = false) AS SELECT reading_id, device_id, ts, metric, ` +
        `value, unit, original_value, original_unit, status, flags, message_id, seq, ingested_at ` +
        'FROM `kw-test.kilowatch_test.readings` ' +
        `WHERE ts >= TIMESTAMP '2024-02-01T00:00:00.000Z' AND ts < TIMESTAMP '2024-03-01T00:00:00.000Z' ` +
        'QUALIFY ROW_NUMBER() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1',
    );
    const warehouseCheck = seen.find((q) =>
      q.query.includes('FROM `kw-test.kilowatch_test.readings` WHERE ts >= TIMESTAMP(@from)'),
    )!;
    expect(warehouseCheck.params).toEqual({
      from: { type: 'STRING', value: '2023-12-01T00:00:00.000Z' },
      to: { type: 'STRING', value: '2024-01-01T00:00:00.000Z' },
    });
    expect(warehouseCheck.query).toContain('BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(reading_id, device_id, ts,');
    // The files of this run only, in the month's hive partition.
    const files = seen.filter((q) => q.query.includes('readings_archive'));
    expect(files[0]!.query).toContain('WHERE year = @year AND month = @month AND _FILE_NAME LIKE @run');
    expect(files[0]!.params).toEqual({
      year: { type: 'INT64', value: 2023 },
      month: { type: 'INT64', value: 12 },
      run: { type: 'STRING', value: `%/run-${RUN}-%` },
    });
    expect(fake.rows('archive_exports').map((r) => [r.year, r.month, r.row_count, r.checksum, r.month_start])).toEqual([
      [2023, 12, 100, '-42', '2023-12-01T00:00:00.000Z'],
      [2024, 2, 100, '-42', '2024-02-01T00:00:00.000Z'],
    ]);
  });

  it('files that do not match the warehouse fail the run and are not recorded', async () => {
    filesRows = 99;
    await expect(
      exportClosedMonths(exporter(), { now: NOW, lateHours: 48, maxMonths: 5, runId: () => RUN }),
    ).rejects.toThrow(/2023-12 run (ab)+: the files hold 99 rows .* the warehouse 100 .*not recorded/);
    expect(fake.rows('archive_exports')).toEqual([]);
  });
});
