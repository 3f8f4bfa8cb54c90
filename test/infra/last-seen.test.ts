import { beforeAll, describe, expect, it } from 'vitest';
import { LAST_SEEN_VIEW, lastSeenViewSql } from '../../shared/warehouse/schema/last-seen.js';
import { readings } from '../../shared/warehouse/schema/tables.js';
import { synthEnv, type Synth } from './synth.js';

let dev: Synth;
let expiring: Synth;

beforeAll(() => {
  dev = synthEnv('dev', { functions: 'catalog' });
  expiring = synthEnv('prod', { vars: { KILOWATCH_READINGS_EXPIRY_DAYS: '400' } });
});

const view = (s: Synth) => s.all('google_bigquery_table').find((t) => t.body.table_id === LAST_SEEN_VIEW.name)!;

describe('device_last_seen: the silence watch materialized view', () => {
  it('is a materialized view over readings, refreshed by BigQuery every 5 minutes, partitioned on the day like readings', () => {
    const { body } = view(dev);
    expect(body.materialized_view).toEqual({
      query: lastSeenViewSql('`kilowatch-dev.kilowatch_dev.readings`'),
      enable_refresh: true,
      refresh_interval_ms: 300_000,
    });
    expect(body.materialized_view.query).toContain('MAX(ts) AS last_ts');
    expect(body.materialized_view.query).toContain(`TIMESTAMP_TRUNC(${readings.partitionBy}, DAY) AS day`);
    expect(body.time_partitioning).toEqual({ type: 'DAY', field: 'day' });
    expect(body.clustering).toEqual(['device_id']);
    expect(body.schema).toBeUndefined();
    expect(dev.ref(body.dataset_id).body.dataset_id).toBe('kilowatch_dev');
    const readingsId = dev.all('google_bigquery_table').find((t) => t.body.table_id === 'readings')!.id;
    expect(body.depends_on).toContain(`google_bigquery_table.${readingsId}`);
  });

  it('sets no expiry of its own: with readings expiring, its partitions follow the base table', () => {
    expect(view(expiring).body.time_partitioning).toEqual({ type: 'DAY', field: 'day' });
    expect(view(expiring).body.expiration_time).toBeUndefined();
    expect(view(expiring).body.deletion_protection).toBe(true);
  });

  it('notify reads it through its existing dataset role; no grant names the view', () => {
    const notify = dev.bindings().filter((b) => b.account === 'kw-notify-dev' && b.type.includes('bigquery_dataset'));
    expect(notify.map((b) => [b.role, dev.ref(b.body.dataset_id).body.dataset_id])).toEqual([
      ['roles/bigquery.dataEditor', 'kilowatch_dev'],
    ]);
    const viewRef = `google_bigquery_table.${view(dev).id}.`;
    expect(dev.bindings().filter((b) => JSON.stringify(b.body).includes(viewRef))).toEqual([]);
  });
});
