import { z } from 'zod';
import type { BigQueryWarehouse } from '../warehouse/bigquery.js';
import { archiveExports, readings, type ArchiveExportRow } from '../warehouse/schema/tables.js';
import { oldestReadingsPartition } from '../warehouse/bigquery-partitions.js';
import type { Month, MonthCheck, MonthExporter } from './export-port.js';
import { ARCHIVE_EXTERNAL_TABLE, monthUri } from './layout.js';

const COLUMNS = Object.keys(readings.columns).join(', ');
/** Order-independent: every column of every row fingerprinted, XORed; the same text over the table and the files. */
const CHECK = `COUNT(*) AS row_count, IFNULL(FORMAT('%d', BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${COLUMNS}))))), '0') AS checksum`;
const DEDUP = `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${readings.key} ORDER BY ${readings.firstBy}) = 1`;

const bounds = (m: Month) => ({
  from: new Date(Date.UTC(m.year, m.month - 1, 1)).toISOString(),
  to: new Date(Date.UTC(m.year, m.month, 1)).toISOString(),
});
const checkRow = z.object({ row_count: z.coerce.number().int().nonnegative(), checksum: z.string() });
const check = (rows: Array<Record<string, unknown>>): MonthCheck => {
  const row = checkRow.parse(rows[0]);
  return { rows: row.row_count, checksum: row.checksum };
};

/** The monthly export on BigQuery: EXPORT DATA to Parquet in the archive bucket, read back through the external table. */
export class BigQueryMonthExporter implements MonthExporter {
  constructor(
    private readonly warehouse: BigQueryWarehouse,
    private readonly bucket: string,
  ) {}

  async exportedMonths(): Promise<Month[]> {
    const rows = await this.warehouse.select(
      `SELECT DISTINCT year, month FROM ${this.warehouse.qualified(archiveExports.name)}`,
      {},
      'archived months',
    );
    return rows.map((r) => ({ year: Number(r.year), month: Number(r.month) }));
  }

  oldestReading(): Promise<string | null> {
    return oldestReadingsPartition(this.warehouse);
  }

  async warehouseCheck(month: Month): Promise<MonthCheck> {
    const rows = await this.warehouse.select(
      `SELECT ${CHECK} FROM (SELECT ${COLUMNS} FROM ${this.warehouse.qualified(readings.name)} ` +
        `WHERE ts >= TIMESTAMP(@from) AND ts < TIMESTAMP(@to) ${DEDUP})`,
      bounds(month),
      'archive month in the warehouse',
    );
    return check(rows);
  }

  async exportMonth(month: Month, runId: string): Promise<string> {
    const uri = monthUri(this.bucket, month, runId);
    const { from, to } = bounds(month);
    // The URI is an option literal (no parameters there); every part of it and the bounds were validated above.
    await this.warehouse.execute(
      `EXPORT DATA OPTIONS (uri = '${uri}', format = 'PARQUET', compression = 'SNAPPY', overwrite = false) AS ` +
        `SELECT ${COLUMNS} FROM ${this.warehouse.qualified(readings.name)} ` +
        `WHERE ts >= TIMESTAMP '${from}' AND ts < TIMESTAMP '${to}' ${DEDUP}`,
      {},
      'archive export',
    );
    return uri;
  }

  async filesCheck(month: Month, runId: string): Promise<MonthCheck> {
    const rows = await this.warehouse.select(
      `SELECT ${CHECK} FROM ${this.warehouse.qualified(ARCHIVE_EXTERNAL_TABLE)} ` +
        `WHERE year = @year AND month = @month AND _FILE_NAME LIKE @run`,
      { year: month.year, month: month.month, run: `%/run-${runId}-%` },
      'archive files read back',
    );
    return check(rows);
  }

  record(row: ArchiveExportRow): Promise<void> {
    return this.warehouse.insert(archiveExports, [row]);
  }
}
