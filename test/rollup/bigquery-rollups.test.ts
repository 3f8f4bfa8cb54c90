import { describe, expect, it } from 'vitest';
import { BigQueryRollupStore } from '../../shared/rollup/bigquery-rollups.js';
import { runRollups } from '../../shared/rollup/run-rollups.js';
import { BigQueryWarehouse } from '../../shared/warehouse/bigquery.js';
import { TABLES } from '../../shared/warehouse/schema/tables.js';
import type { FakeBigQuery, SeenQuery } from '../support/fake-bigquery.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const DATASET = 'kilowatch_test';
const q = (table: string) => `\`${PROJECT}.${DATASET}.${table}\``;
let fake: FakeBigQuery;

useGoogleAuthGuard();
useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (fake = f));

describe('roll-ups over BigQuery, through the client library', () => {
  it('sends one MERGE per level with bound timestamps, then records each level in rollup_runs', async () => {
    const merges: SeenQuery[] = [];
    fake.onQuery((seen) => {
      if (seen.query.includes('rollup_runs') && seen.query.includes('GROUP BY level'))
        return {
          fields: [
            { name: 'level', type: 'STRING', mode: 'NULLABLE' },
            { name: 'watermark', type: 'TIMESTAMP', mode: 'NULLABLE' },
          ],
          rows: [{ level: 'hour', watermark: '2024-03-10T05:00:00Z' }],
        };
      if (seen.query.includes('INFORMATION_SCHEMA.PARTITIONS'))
        return { fields: [{ name: 'oldest', type: 'STRING', mode: 'NULLABLE' }], rows: [{ oldest: '20240301' }] };
      if (seen.query.startsWith('MERGE INTO')) {
        merges.push(seen);
        return { fields: [], rows: [], numDmlAffectedRows: 7 };
      }
      return undefined;
    });
    const warehouse = new BigQueryWarehouse({
      projectId: PROJECT,
      dataset: DATASET,
      location: 'EU',
      apiEndpoint: fake.url,
    });
    const store = new BigQueryRollupStore(warehouse, { projectId: PROJECT, dataset: DATASET });
    const runs = await runRollups(store, { now: new Date('2024-03-11T08:30:00Z'), lateHours: 48, maxDays: 92 });

    expect(fake.bugs).toEqual([]);
    // Hours: from the late window (before the watermark); the other levels never ran: from the oldest partition.
    expect(runs.map((r) => [r.level, r.from, r.to, r.buckets])).toEqual([
      ['hour', '2024-03-09T08:00:00.000Z', '2024-03-11T08:00:00.000Z', 7],
      ['day', '2024-03-01T00:00:00.000Z', '2024-03-11T00:00:00.000Z', 7],
      ['week', '2024-02-26T00:00:00.000Z', '2024-03-11T00:00:00.000Z', 7],
      // March is not closed yet: no month to merge.
      ['month', null, null, 0],
    ]);
    expect(merges).toHaveLength(3);
    const [hour, day, week] = merges as [SeenQuery, SeenQuery, SeenQuery];
    for (const m of merges) {
      expect(Object.keys(m.params).sort()).toEqual(['computed_at', 'from', 'to']);
      expect(m.params.computed_at).toEqual({ type: 'STRING', value: '2024-03-11T08:30:00.000Z' });
      expect(m.location).toBe('EU');
      // The target's partitions are pruned by the same range; a bucket is updated only when a value changed.
      expect(m.query).toContain('ON t.rollup_id = s.rollup_id AND t.bucket_start >= TIMESTAMP(@from)');
      expect(m.query).toContain('WHEN MATCHED AND (t.reading_count IS DISTINCT FROM s.reading_count');
      expect(m.query).not.toMatch(/DELETE/);
    }
    expect(hour.query).toMatch(/^MERGE INTO `kw-test\.kilowatch_test\.readings_hourly` AS t/);
    // Raw readings: time filter on the partition column first, then the dedup of streaming-insert duplicates.
    expect(hour.query).toContain(
      `FROM ${q('readings')} WHERE ts >= TIMESTAMP(@from) AND ts < TIMESTAMP(@to) QUALIFY ROW_NUMBER() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1`,
    );
    expect(hour.query).toContain(`TIMESTAMP_TRUNC(ts, HOUR, 'UTC')`);
    expect(hour.query).toContain(
      `TO_HEX(SHA256(CONCAT(a.device_id, '\\n', a.metric, '\\n', CAST(UNIX_MICROS(a.b) AS STRING))))`,
    );
    expect(hour.params.from).toEqual({ type: 'STRING', value: '2024-03-09T08:00:00.000Z' });
    expect(day.query).toMatch(/^MERGE INTO `kw-test\.kilowatch_test\.readings_daily`/);
    expect(day.query).toContain(`FROM ${q('readings_hourly')} WHERE bucket_start >= TIMESTAMP(@from)`);
    expect(week.query).toContain(`FROM ${q('readings_daily')} WHERE bucket_start >= TIMESTAMP(@from)`);
    expect(week.query).toContain(`TIMESTAMP_TRUNC(bucket_start, ISOWEEK, 'UTC')`);

    const recorded = fake.rows('rollup_runs');
    expect(recorded.map((r) => [r.level, r.range_from, r.watermark, r.buckets])).toEqual([
      ['hour', '2024-03-09T08:00:00.000Z', '2024-03-11T08:00:00.000Z', 7],
      ['day', '2024-03-01T00:00:00.000Z', '2024-03-11T00:00:00.000Z', 7],
      ['week', '2024-02-26T00:00:00.000Z', '2024-03-11T00:00:00.000Z', 7],
    ]);
  });
});
