import type { ArchiveExportRow } from '../warehouse/schema/tables.js';

/** A UTC month of readings. */
export interface Month {
  readonly year: number;
  readonly month: number;
}

/** Row count and order-independent checksum of a month, in the warehouse or in exported files. */
export interface MonthCheck {
  readonly rows: number;
  readonly checksum: string;
}

/** Exports months of raw readings to the archive bucket: BigQuery EXPORT DATA into Cloud Storage. */
export interface MonthExporter {
  /** Months recorded in archive_exports (verified exports). */
  exportedMonths(): Promise<Month[]>;
  /** Time of the oldest raw reading still stored (ISO), or null. */
  oldestReading(): Promise<string | null>;
  warehouseCheck(month: Month): Promise<MonthCheck>;
  /** Writes the month's readings as Parquet files of this run; returns their gs:// pattern. */
  exportMonth(month: Month, runId: string): Promise<string>;
  /** Reads this run's files back (the external table over the archive) and checks them. */
  filesCheck(month: Month, runId: string): Promise<MonthCheck>;
  record(row: ArchiveExportRow): Promise<void>;
}
