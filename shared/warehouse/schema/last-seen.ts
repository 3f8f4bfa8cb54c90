/**
 * BigQuery materialized view: newest reading per device and day of `readings`, kept by BigQuery's incremental
 * refresh so the notify sweep's silence watch reads ~10,000 rows a day instead of every reading (docs/cost.md).
 * Partitioned on the same day as `readings`: an expired or rewritten readings partition invalidates only its own
 * day here (and the view inherits the partition expiry), not the whole view.
 */
export const LAST_SEEN_VIEW = {
  name: 'device_last_seen',
  partitionBy: 'day',
  clusterBy: ['device_id'],
  /** Incremental refresh every 5 minutes: the base table delta a direct query must add stays ≤ 5 minutes. */
  refreshIntervalMs: 5 * 60_000,
} as const;

export function lastSeenViewSql(qualifiedReadings: string): string {
  // MAX with GROUP BY is an incremental aggregation; the grouping day is the base table's partition column truncated.
  return (
    `SELECT device_id, TIMESTAMP_TRUNC(ts, DAY) AS day, MAX(ts) AS last_ts ` +
    `FROM ${qualifiedReadings} GROUP BY device_id, day`
  );
}
