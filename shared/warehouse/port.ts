import type { Table, RowOf } from './schema/table.js';
import type { ForecastRow, ReadingRow } from './schema/tables.js';

/**
 * The warehouse port: BigQuery in the cloud, DuckDB locally. Adapters hold no business rules and
 * throw TransientError for failures worth a retry (unavailable, quota, timeouts).
 */
export interface Warehouse {
  /** Creates what is missing (embedded warehouse); checks the tables exist (cloud). */
  init(): Promise<void>;
  /** Writes rows; idempotent on the table's key (a row whose key exists is not written twice). */
  insert<T extends Table>(table: T, rows: ReadonlyArray<RowOf<T>>): Promise<void>;
  /**
   * The latest `perMetric` readings of each metric of a device, newest first, deduplicated; only those
   * at or after `since` (ISO) when given, which bounds the scan in a partitioned warehouse.
   */
  recentReadings(deviceId: string, perMetric: number, since?: string): Promise<ReadingRow[]>;
  /**
   * Stored readings of a device with these ids, deduplicated; the time bounds (inclusive, ISO) let the
   * warehouse prune partitions. Used for readings older than the history an instance holds.
   */
  knownReadings(deviceId: string, readingIds: readonly string[], from: string, to: string): Promise<ReadingRow[]>;
  /** A device's readings of some metrics over [from, to) (ISO), deduplicated, oldest first. */
  readingsBetween(deviceId: string, metrics: readonly string[], from: string, to: string): Promise<ReadingRow[]>;
  /**
   * The forecast of each target time of a device's metric in [from, to] (inclusive, ISO), from the latest
   * origin that forecast it (deduplicated), oldest target first.
   */
  latestForecasts(deviceId: string, metric: string, from: string, to: string): Promise<ForecastRow[]>;
  /** Row counts of every table (deduplicated). */
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
