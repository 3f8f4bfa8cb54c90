import type { Dialect, Sql } from '../warehouse/read-sql.js';
import { ROLLUP_TABLES, readings, type RollupLevel } from '../warehouse/schema/tables.js';
import { ROLLUP_SOURCE } from './buckets.js';

/** What the roll-up SQL needs of a dialect beyond the read queries'. */
export interface RollupDialect extends Pick<Dialect, 'p' | 'ts' | 'table' | 'dedup' | 'marked'> {
  /** The raw readings the hourly level reads (locally readings_all when an archive exists). */
  readonly readingsSource: string;
  /** Start of the UTC bucket of `level` holding a TIMESTAMP expression. */
  trunc(level: RollupLevel, expr: string): string;
  /** Hex SHA-256 of the parts joined by newlines (the same text in both dialects). */
  hashKey(parts: readonly string[]): string;
  /** Microseconds since the epoch of a TIMESTAMP expression, as text. */
  epochMicrosText(expr: string): string;
}

const AGGREGATES = ['reading_count', 'value_count', 'flagged_count', 'value_sum', 'value_min', 'value_max'] as const;
const COLUMNS = [
  'rollup_id',
  'device_id',
  'metric',
  'bucket_start',
  ...AGGREGATES,
  'value_mean',
  'computed_at',
] as const;

/** Per (device, metric, bucket): aggregates of raw readings over [from, to), deduplicated after the time filter. */
function fromReadings(d: RollupDialect): string {
  const raw =
    `SELECT device_id, metric, ts, value, flags FROM ${d.readingsSource} ` +
    `WHERE ts >= ${d.ts('from')} AND ts < ${d.ts('to')} ${d.dedup(readings)}`;
  return (
    `SELECT device_id, metric, ${d.trunc('hour', 'ts')} AS b, COUNT(*) AS reading_count, COUNT(value) AS value_count, ` +
    `SUM(CASE WHEN ${d.marked('flags')} THEN 1 ELSE 0 END) AS flagged_count, SUM(value) AS value_sum, ` +
    `MIN(value) AS value_min, MAX(value) AS value_max FROM (${raw}) AS r GROUP BY device_id, metric, b`
  );
}

/** Per (device, metric, bucket): the finer level's buckets combined (sums of sums and counts, min of mins, max of maxes). */
function fromFiner(d: RollupDialect, level: RollupLevel, finer: RollupLevel): string {
  const table = ROLLUP_TABLES[finer];
  const rows =
    `SELECT * FROM ${d.table(table)} WHERE bucket_start >= ${d.ts('from')} AND bucket_start < ${d.ts('to')} ` +
    d.dedup(table);
  return (
    `SELECT device_id, metric, ${d.trunc(level, 'bucket_start')} AS b, SUM(reading_count) AS reading_count, ` +
    `SUM(value_count) AS value_count, SUM(flagged_count) AS flagged_count, SUM(value_sum) AS value_sum, ` +
    `MIN(value_min) AS value_min, MAX(value_max) AS value_max FROM (${rows}) AS f GROUP BY device_id, metric, b`
  );
}

/**
 * The idempotent MERGE of one level's buckets in [from, to) (bucket boundaries of the level): buckets are
 * recomputed from their source and inserted, or updated where a value changed (late data); a bucket whose
 * source rows are gone (expired raw partitions) is left as it is, never deleted.
 */
export function rollupMergeSql(
  d: RollupDialect,
  level: RollupLevel,
  range: { from: string; to: string },
  computedAt: string,
): Sql {
  const source = ROLLUP_SOURCE[level];
  const aggregated = source === 'readings' ? fromReadings(d) : fromFiner(d, level, source);
  const key = d.hashKey(['a.device_id', 'a.metric', d.epochMicrosText('a.b')]);
  const s =
    `SELECT ${key} AS rollup_id, a.device_id, a.metric, a.b AS bucket_start, ` +
    `${AGGREGATES.map((c) => `a.${c}`).join(', ')}, ` +
    `CASE WHEN a.value_count > 0 THEN a.value_sum / a.value_count END AS value_mean, ` +
    `${d.ts('computed_at')} AS computed_at FROM (${aggregated}) AS a`;
  const changed = [...AGGREGATES, 'value_mean'].map((c) => `t.${c} IS DISTINCT FROM s.${c}`).join(' OR ');
  const target = d.table(ROLLUP_TABLES[level]);
  const sql =
    `MERGE INTO ${target} AS t USING (${s}) AS s ` +
    // The range on the target lets BigQuery prune its partitions; keys fix the bucket, so nothing outside can match.
    `ON t.rollup_id = s.rollup_id AND t.bucket_start >= ${d.ts('from')} AND t.bucket_start < ${d.ts('to')} ` +
    `WHEN MATCHED AND (${changed}) THEN UPDATE SET ` +
    `${[...AGGREGATES, 'value_mean', 'computed_at'].map((c) => `${c} = s.${c}`).join(', ')} ` +
    `WHEN NOT MATCHED THEN INSERT (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `s.${c}`).join(', ')})`;
  return { sql, params: { from: range.from, to: range.to, computed_at: computedAt } };
}
