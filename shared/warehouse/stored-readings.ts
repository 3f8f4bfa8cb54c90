import { log } from '../log/logger.js';
import { readings, type ReadingRow } from './schema/tables.js';

function finiteOrNull(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v]),
  );
}

/**
 * Reading rows read back from the warehouse, validated. One bad stored row (a non-finite value written
 * before ingest refused them, a row edited by hand) must not stop a cold start: a non-finite number is read
 * as NULL, so the row stays known and its key keeps deduplicating; a row that still fails is skipped. Both
 * are logged with the row's id.
 */
export function storedReadings(raws: ReadonlyArray<Record<string, unknown>>): ReadingRow[] {
  const rows: ReadingRow[] = [];
  for (const raw of raws) {
    const parsed = readings.row.safeParse(raw);
    if (parsed.success) {
      rows.push(parsed.data);
      continue;
    }
    const issue = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    const repaired = readings.row.safeParse(finiteOrNull(raw));
    log.warn(
      repaired.success
        ? 'stored reading read with NULL for a non-finite value'
        : 'stored reading skipped: it does not match the table',
      {
        readingId: raw.reading_id,
        deviceId: raw.device_id,
        issue,
      },
    );
    if (repaired.success) rows.push(repaired.data);
  }
  return rows;
}
