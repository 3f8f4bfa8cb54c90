import { beforeAll, describe, expect, it } from 'vitest';
import { readingsAllSql } from '../../shared/archive/readings-all-sql.js';
import { readings } from '../../shared/warehouse/schema/tables.js';
import { synthEnv, type Synth } from './synth.js';

let dev: Synth;
let expiring: Synth;

beforeAll(() => {
  dev = synthEnv('dev');
  expiring = synthEnv('prod', { vars: { KILOWATCH_READINGS_EXPIRY_DAYS: '400' } });
});

const grantsOf = (s: Synth, account: string) =>
  s
    .bindings()
    .filter((b) => b.account === account)
    .map((b) => {
      const target =
        b.body.table_id !== undefined
          ? `table:${s.ref(b.body.table_id).body.table_id}`
          : b.body.bucket !== undefined
            ? `bucket:${s.ref(b.body.bucket).body.name}`
            : b.body.dataset_id !== undefined
              ? 'dataset'
              : b.type === 'google_project_iam_member'
                ? 'project'
                : b.type;
      return `${b.role} ${target}`;
    })
    .sort();

describe('roll-ups and the archive in infra', () => {
  it('rollup: reads the dataset, writes the four roll-up tables and rollup_runs only, runs jobs; nothing else', () => {
    expect(grantsOf(dev, 'kw-rollup-dev')).toEqual(
      [
        'roles/bigquery.dataViewer dataset',
        'roles/bigquery.jobUser project',
        ...['readings_hourly', 'readings_daily', 'readings_weekly', 'readings_monthly', 'rollup_runs'].map(
          (t) => `roles/bigquery.dataEditor table:${t}`,
        ),
      ].sort(),
    );
  });

  it('archive: creates and reads objects in the archive bucket (no overwrite, no delete), writes archive_exports only', () => {
    expect(grantsOf(dev, 'kw-archive-dev')).toEqual(
      [
        'roles/bigquery.dataViewer dataset',
        'roles/bigquery.dataEditor table:archive_exports',
        'roles/bigquery.jobUser project',
        'roles/storage.objectCreator bucket:kilowatch-dev-kw-dev-archive',
        'roles/storage.objectViewer bucket:kilowatch-dev-kw-dev-archive',
      ].sort(),
    );
    const fn = dev.bodies('google_cloudfunctions2_function').find((f) => f.name === 'archive-dev')!;
    expect(fn.service_config.environment_variables).toMatchObject({
      KILOWATCH_ARCHIVE_BUCKET: 'kilowatch-dev-kw-dev-archive',
      KILOWATCH_ROLLUP_LATE_HOURS: '48',
    });
  });

  it('Cloud Scheduler ticks the rollup function every 6 hours and the archive function daily, through their topics', () => {
    const jobs = dev.bodies('google_cloud_scheduler_job');
    for (const [name, schedule, topic] of [
      ['kilowatch-rollup-tick-dev', '17 */6 * * *', 'rollup-tick-dev'],
      ['kilowatch-archive-tick-dev', '40 3 * * *', 'archive-tick-dev'],
    ] as const) {
      const job = jobs.find((j) => j.name === name)!;
      expect(job.schedule).toBe(schedule);
      expect(dev.ref(job.pubsub_target.topic_name).body.name).toBe(topic);
      const push = dev
        .bodies('google_pubsub_subscription')
        .find((s) => s.push_config && dev.ref(s.topic).body.name === topic)!;
      expect(push.push_config.push_endpoint).toContain(topic.startsWith('rollup') ? 'rollup' : 'archive');
    }
  });

  it('an external table reads the archive bucket as hive partitions year and month, as Parquet', () => {
    const t = dev.bodies('google_bigquery_table').find((x) => x.table_id === 'readings_archive')!;
    expect(t.external_data_configuration).toMatchObject({
      source_format: 'PARQUET',
      source_uris: ['gs://kilowatch-dev-kw-dev-archive/readings/*'],
      hive_partitioning_options: {
        mode: 'CUSTOM',
        source_uri_prefix: 'gs://kilowatch-dev-kw-dev-archive/readings/{year:INTEGER}/{month:INTEGER}',
      },
    });
    const fields = JSON.parse(t.schema) as Array<{ name: string; mode: string }>;
    expect(fields.map((f) => f.name)).toEqual(Object.keys(readings.columns));
    expect(fields.filter((f) => f.mode === 'REQUIRED')).toEqual([]);
  });

  it('raw readings never expire by default; with readingsExpiryDays only readings does, and readings_all reads the archive before the cutoff', () => {
    const table = (s: Synth, name: string) => s.bodies('google_bigquery_table').find((x) => x.table_id === name)!;
    expect(table(dev, 'readings').time_partitioning.expiration_ms).toBeUndefined();
    expect(table(expiring, 'readings').time_partitioning.expiration_ms).toBe(400 * 86_400_000);
    expect(table(expiring, 'readings_hourly').time_partitioning.expiration_ms).toBeUndefined();
    expect(table(expiring, 'anomaly_scores').time_partitioning.expiration_ms).toBeUndefined();

    const routine = expiring.bodies('google_bigquery_routine').find((r) => r.routine_id === 'readings_all')!;
    expect(routine.routine_type).toBe('TABLE_VALUED_FUNCTION');
    expect(routine.definition_body).toBe(readingsAllSql((n) => `\`kilowatch-prod.kilowatch_prod.${n}\``, 400));
    expect(routine.definition_body).toContain("TIMESTAMP(DATE_SUB(CURRENT_DATE('UTC'), INTERVAL 400 DAY))");
    expect(routine.definition_body).toContain('FROM `kilowatch-prod.kilowatch_prod.readings_archive` AS a');
    // Without expiry everything is still in readings: the function reads the table alone.
    const plain = dev.bodies('google_bigquery_routine').find((r) => r.routine_id === 'readings_all')!;
    expect(plain.definition_body).not.toContain('readings_archive');
  });

  it('refuses an expiry while a function keeping the history (rollup, archive) is not deployed, and one under 62 days', () => {
    expect(() =>
      synthEnv('dev', {
        vars: { KILOWATCH_READINGS_EXPIRY_DAYS: '400' },
        functions: ['ingest', 'score', 'rollup'],
      }),
    ).toThrow(/readingsExpiryDays is set but archive is not deployed/);
    expect(() => synthEnv('dev', { vars: { KILOWATCH_READINGS_EXPIRY_DAYS: '30' } })).toThrow(/readingsExpiryDays/);
  });
});
