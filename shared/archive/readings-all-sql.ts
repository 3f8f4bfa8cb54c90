import { readings, archiveExports } from '../warehouse/schema/tables.js';
import { ARCHIVE_EXTERNAL_TABLE } from './layout.js';

const COLUMNS = Object.keys(readings.columns).join(', ');

/**
 * Body of the BigQuery table function readings_all(from_ts, to_ts): raw readings of a range, from `readings` for
 * the days its partitions still hold and from the archive's recorded export runs before that, so callers read
 * archived months without knowing where they are. The expiry cutoff splits the two, so no reading appears twice;
 * the arguments filter each side first (partition pruning in the table, hive year pruning in the archive).
 */
export function readingsAllSql(qualified: (name: string) => string, expiryDays: number | undefined): string {
  const cutoff =
    expiryDays === undefined ? undefined : `TIMESTAMP(DATE_SUB(CURRENT_DATE('UTC'), INTERVAL ${expiryDays} DAY))`;
  const warehouse =
    `SELECT ${COLUMNS} FROM ${qualified(readings.name)} ` +
    `WHERE ts >= ${cutoff ? `GREATEST(from_ts, ${cutoff})` : 'from_ts'} AND ts < to_ts ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${readings.key} ORDER BY ${readings.firstBy}) = 1`;
  if (!cutoff) return warehouse;
  const end = `LEAST(to_ts, ${cutoff})`;
  const archived =
    `SELECT ${COLUMNS} FROM ${qualified(ARCHIVE_EXTERNAL_TABLE)} AS a ` +
    `WHERE a.year BETWEEN EXTRACT(YEAR FROM from_ts AT TIME ZONE 'UTC') AND EXTRACT(YEAR FROM ${end} AT TIME ZONE 'UTC') ` +
    `AND a.ts >= from_ts AND a.ts < ${end} ` +
    // Files of verified runs only: a run that failed its check or crashed before recording left files nobody reads.
    `AND EXISTS (SELECT 1 FROM ${qualified(archiveExports.name)} AS e WHERE e.year = a.year AND e.month = a.month ` +
    `AND a._FILE_NAME LIKE CONCAT('%/run-', e.run_id, '-%'))`;
  return `(${warehouse}) UNION ALL (${archived})`;
}
