import { createHash, randomUUID } from 'node:crypto';
import type { Month, MonthCheck, MonthExporter } from './export-port.js';

export interface ExportOptions {
  readonly now: Date;
  /** A month is exported once it ended this long ago: readings arriving late are in it. */
  readonly lateHours: number;
  /** Months exported per run at most: a function run stays within its timeout; the next run goes on. */
  readonly maxMonths: number;
  readonly runId?: () => string;
}

export interface MonthExport extends Month, MonthCheck {
  readonly runId: string;
  readonly uri: string;
}

const monthStart = (m: Month) => new Date(Date.UTC(m.year, m.month - 1, 1));
const key = (m: Month) => m.year * 12 + m.month - 1;
const fromKey = (k: number): Month => ({ year: Math.floor(k / 12), month: (k % 12) + 1 });

/** Closed months (ended lateHours ago) from the oldest stored reading on, not exported yet, oldest first. */
export function monthsDue(oldest: string | null, exported: readonly Month[], options: ExportOptions): Month[] {
  if (!oldest) return [];
  const done = new Set(exported.map(key));
  const first = new Date(oldest);
  const settled = new Date(options.now.getTime() - options.lateHours * 3_600_000);
  const due: Month[] = [];
  for (let k = key({ year: first.getUTCFullYear(), month: first.getUTCMonth() + 1 }); ; k++) {
    const m = fromKey(k);
    if (monthStart(fromKey(k + 1)) > settled) break;
    if (!done.has(k)) due.push(m);
  }
  return due.slice(0, options.maxMonths);
}

/**
 * The monthly export of closed `readings` partitions: each due month is written as Parquet files of one run
 * (readings/year=YYYY/month=MM/run-<id>-*.parquet), read back and compared with the warehouse (row count and
 * checksum), and only then recorded in archive_exports. A run that fails or crashes before recording leaves
 * files nobody reads (the archived view reads recorded runs only); the next run exports the month again.
 */
export async function exportClosedMonths(port: MonthExporter, options: ExportOptions): Promise<MonthExport[]> {
  const due = monthsDue(await port.oldestReading(), await port.exportedMonths(), options);
  const done: MonthExport[] = [];
  for (const month of due) {
    const expected = await port.warehouseCheck(month);
    if (expected.rows === 0) continue;
    const runId = (options.runId ?? (() => randomUUID().replaceAll('-', '')))();
    const uri = await port.exportMonth(month, runId);
    const found = await port.filesCheck(month, runId);
    if (found.rows !== expected.rows || found.checksum !== expected.checksum) {
      throw new Error(
        `archive export ${month.year}-${String(month.month).padStart(2, '0')} run ${runId}: the files hold ` +
          `${found.rows} rows (checksum ${found.checksum}), the warehouse ${expected.rows} (${expected.checksum}); not recorded`,
      );
    }
    await port.record({
      export_id: createHash('sha256').update(`${month.year}-${month.month}-${runId}`).digest('hex').slice(0, 32),
      run_id: runId,
      year: month.year,
      month: month.month,
      month_start: monthStart(month).toISOString(),
      row_count: expected.rows,
      checksum: expected.checksum,
      uri,
      exported_at: options.now.toISOString(),
    });
    done.push({ ...month, ...expected, runId, uri });
  }
  return done;
}
