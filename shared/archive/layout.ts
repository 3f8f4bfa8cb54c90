import type { Month } from './export-port.js';

/** The archive bucket's layout, shared by the export and the external table infra declares over it. */
export const ARCHIVE_PREFIX = 'readings';
/** BigQuery external table over gs://<archive bucket>/readings/ (hive partitions year, month). */
export const ARCHIVE_EXTERNAL_TABLE = 'readings_archive';
/** BigQuery table function: raw readings of a time range, from the warehouse or, once expired, the archive. */
export const READINGS_ALL_FUNCTION = 'readings_all';

const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** gs://<bucket>/readings/year=YYYY/month=MM/run-<runId>-*.parquet: one pattern per month and run. */
export function monthUri(bucket: string, month: Month, runId: string): string {
  if (!BUCKET.test(bucket)) throw new Error(`archive bucket '${bucket}' is not a Cloud Storage bucket name`);
  if (!/^[0-9a-f]{32}$/.test(runId)) throw new Error(`archive run id '${runId}' is not 32 hex digits`);
  if (!Number.isInteger(month.year) || !Number.isInteger(month.month) || month.month < 1 || month.month > 12)
    throw new Error(`archive month ${month.year}-${month.month} is not a month`);
  const mm = String(month.month).padStart(2, '0');
  return `gs://${bucket}/${ARCHIVE_PREFIX}/year=${month.year}/month=${mm}/run-${runId}-*.parquet`;
}
