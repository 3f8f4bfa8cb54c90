import type { Table } from './schema/table.js';
import { alertAcks, alerts, anomalyScores, copilotCalls, forecasts, readings, rejected } from './schema/tables.js';
import type { AlertFilter, Page, PipelineWindow, ScoreFilter, SeriesQuery, TimeRange } from './read-port.js';

/**
 * The read queries, written once for DuckDB and BigQuery: a dialect supplies what differs (parameter and
 * timestamp syntax, table names, deduplication, quantiles). Values always travel as named parameters;
 * only integers the adapter validated (limits, bucket counts) are written into the text.
 */
export interface Dialect {
  /** A named parameter. */
  p(name: string): string;
  /** A named parameter holding ISO text, as a timestamp. */
  ts(name: string): string;
  /** Milliseconds since the epoch of a timestamp expression, as an integer. */
  epochMs(expr: string): string;
  table(table: Table): string;
  /** Clause that keeps one row per key after a WHERE (BigQuery's streaming inserts may duplicate); '' when keys are unique. */
  dedup(table: Table): string;
  /** Whether a flags array holds a flag other than the informational ones. */
  marked(flags: string): string;
  boolOr(expr: string): string;
  /** Approximate or exact quantile q in [0, 1] of an expression, as an aggregate. */
  quantile(expr: string, q: number): string;
}

export type Params = Record<string, string | number>;

export interface Sql {
  readonly sql: string;
  readonly params: Params;
}

/** Flags that describe a conversion, not a problem: they do not keep a point through downsampling. */
export const INFORMATIONAL_FLAGS = ['unit_converted'] as const;

function safeInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}

function scan(d: Dialect, table: Table, columns: string, where: string): string {
  return `SELECT ${columns} FROM ${d.table(table)} WHERE ${where} ${d.dedup(table)}`;
}

function inRange(d: Dialect, column: string): string {
  return `${column} >= ${d.ts('from')} AND ${column} < ${d.ts('to')}`;
}

function rangeParams(range: TimeRange): Params {
  return { from: range.from, to: range.to };
}

/** The readings of a series joined with their highest score: columns t (epoch ms), value, status, flags, score, is_anomaly, marked. */
function seriesCte(d: Dialect): string {
  const r = scan(
    d,
    readings,
    'reading_id, ts, value, status, flags',
    `device_id = ${d.p('device')} AND metric = ${d.p('metric')} AND ${inRange(d, 'ts')}`,
  );
  const s = scan(
    d,
    anomalyScores,
    'score_id, reading_id, score, is_anomaly',
    `device_id = ${d.p('device')} AND (metric = ${d.p('metric')} OR metric IS NULL) AND ${inRange(d, 'ts')}`,
  );
  return (
    `r AS (${r}), ` +
    `s AS (SELECT reading_id, MAX(score) AS score, ${d.boolOr('is_anomaly')} AS is_anomaly FROM (${s}) AS s0 GROUP BY reading_id), ` +
    `p AS (SELECT ${d.epochMs('r.ts')} AS t, r.value AS value, r.status AS status, r.flags AS flags, s.score AS score, ` +
    `COALESCE(s.is_anomaly, FALSE) AS is_anomaly, (COALESCE(s.is_anomaly, FALSE) OR ${d.marked('r.flags')}) AS marked ` +
    `FROM r LEFT JOIN s ON s.reading_id = r.reading_id)`
  );
}

function seriesParams(q: SeriesQuery): Params {
  return { device: q.deviceId, metric: q.metric, ...rangeParams(q.range) };
}

export function seriesSql(d: Dialect, q: SeriesQuery, limit?: number): Sql {
  const cap = limit === undefined ? '' : ` LIMIT ${safeInt(limit, 'limit')}`;
  return {
    sql: `WITH ${seriesCte(d)} SELECT t, value, status, flags, score, is_anomaly FROM p ORDER BY t${cap}`,
    params: seriesParams(q),
  };
}

export function seriesSummarySql(d: Dialect, q: SeriesQuery): Sql {
  return {
    sql: `WITH ${seriesCte(d)} SELECT COUNT(*) AS points, COALESCE(SUM(CASE WHEN marked THEN 1 ELSE 0 END), 0) AS marked FROM p`,
    params: seriesParams(q),
  };
}

/** M4 downsampling: per time bucket the first, last, lowest and highest reading, plus every marked one. */
export function seriesBucketsSql(d: Dialect, q: SeriesQuery, buckets: number): Sql {
  const n = safeInt(buckets, 'buckets');
  const fromMs = Date.parse(q.range.from);
  const spanMs = Date.parse(q.range.to) - fromMs;
  const sql =
    `WITH ${seriesCte(d)}, ` +
    `b AS (SELECT *, FLOOR((t - ${d.p('from_ms')}) * ${n} / ${d.p('span_ms')}) AS bucket FROM p), ` +
    `agg AS (SELECT bucket, MIN(t) AS t_first, MAX(t) AS t_last, MIN_BY(t, value) AS t_min, MAX_BY(t, value) AS t_max ` +
    `FROM b WHERE value IS NOT NULL GROUP BY bucket) ` +
    `SELECT b.t AS t, b.value AS value, b.status AS status, b.flags AS flags, b.score AS score, b.is_anomaly AS is_anomaly ` +
    `FROM b LEFT JOIN agg ON agg.bucket = b.bucket ` +
    `WHERE b.marked OR b.t IN (agg.t_first, agg.t_last, agg.t_min, agg.t_max) ORDER BY b.t`;
  return { sql, params: { ...seriesParams(q), from_ms: fromMs, span_ms: spanMs } };
}

/** Forecast rows of the latest origin (then latest issue) with a target in the range. */
export function latestForecastSql(d: Dialect, q: SeriesQuery): Sql {
  const f = scan(
    d,
    forecasts,
    'forecast_id, origin, issued_at, target_ts, p10, p50, p90, model, model_version',
    `device_id = ${d.p('device')} AND metric = ${d.p('metric')} AND ${inRange(d, 'target_ts')}`,
  );
  const sql =
    `WITH f AS (${f}), ` +
    `latest AS (SELECT origin, issued_at, model, model_version FROM f ORDER BY origin DESC, issued_at DESC LIMIT 1) ` +
    `SELECT ${d.epochMs('f.origin')} AS origin, ${d.epochMs('f.issued_at')} AS issued_at, ${d.epochMs('f.target_ts')} AS target_ts, ` +
    `f.p10 AS p10, f.p50 AS p50, f.p90 AS p90, f.model AS model, f.model_version AS model_version ` +
    `FROM f JOIN latest ON f.origin = latest.origin AND f.issued_at = latest.issued_at ` +
    `AND f.model = latest.model AND f.model_version = latest.model_version ORDER BY f.target_ts`;
  return { sql, params: seriesParams(q) };
}

/** Keyset condition for pages ordered by (ts, id) descending. */
function after(d: Dialect, page: Page, ts: string, id: string, params: Params): string {
  if (!page.after) return '';
  params.after_ts = page.after.ts;
  params.after_id = page.after.id;
  return ` AND (${ts} < ${d.ts('after_ts')} OR (${ts} = ${d.ts('after_ts')} AND ${id} < ${d.p('after_id')}))`;
}

function optional(d: Dialect, params: Params, column: string, name: string, value: string | undefined): string {
  if (value === undefined) return '';
  params[name] = value;
  return ` AND ${column} = ${d.p(name)}`;
}

export function anomalyScoresSql(d: Dialect, f: ScoreFilter, page: Page): Sql {
  const params: Params = rangeParams(f.range);
  let where = inRange(d, 'ts');
  where += optional(d, params, 'device_id', 'device', f.deviceId);
  where += optional(d, params, 'metric', 'metric', f.metric);
  where += optional(d, params, 'model', 'model', f.model);
  // Rows written before the signal column existed scored the value.
  where += optional(d, params, "COALESCE(signal, 'value')", 'signal', f.signal);
  if (f.anomaliesOnly) where += ' AND is_anomaly';
  if (f.minScore !== undefined) {
    params.min_score = f.minScore;
    where += ` AND score >= ${d.p('min_score')}`;
  }
  where += after(d, page, 'ts', 'score_id', params);
  const columns =
    `score_id, reading_id, device_id, ${d.epochMs('ts')} AS ts, metric, model, model_version, ` +
    `COALESCE(signal, 'value') AS signal, score, threshold, is_anomaly, ${d.epochMs('scored_at')} AS scored_at`;
  // Keyset columns are compared before the epoch conversion: the inner scan keeps ts a timestamp.
  const sql =
    `SELECT ${columns} FROM (${scan(d, anomalyScores, '*', where)}) AS s ` +
    `ORDER BY s.ts DESC, s.score_id DESC LIMIT ${safeInt(page.limit, 'limit')}`;
  return { sql, params };
}

/** Latest acknowledgement of each alert of a range (acknowledgements are partitioned by the alert's time). */
function latestAcksCte(d: Dialect): string {
  const k = scan(d, alertAcks, 'alert_id, acknowledged_by, acknowledged_at, note, ack_id', inRange(d, 'alert_ts'));
  return (
    `k AS (SELECT alert_id, acknowledged_by, acknowledged_at, note FROM (` +
    `SELECT *, ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY acknowledged_at DESC, ack_id DESC) AS rn FROM (${k}) AS k0` +
    `) AS k1 WHERE rn = 1)`
  );
}

const ALERT_COLUMNS =
  'a.alert_id AS alert_id, a.device_id AS device_id, a.metric AS metric, a.kind AS kind, a.severity AS severity, ' +
  'a.message AS message, a.score AS score';

function alertSelect(d: Dialect): string {
  return (
    `SELECT ${ALERT_COLUMNS}, ${d.epochMs('a.ts')} AS ts, ${d.epochMs('a.created_at')} AS created_at, ` +
    `k.acknowledged_by AS acknowledged_by, ${d.epochMs('k.acknowledged_at')} AS acknowledged_at, k.note AS note`
  );
}

export function alertsSql(d: Dialect, f: AlertFilter, page: Page): Sql {
  const params: Params = rangeParams(f.range);
  let where = inRange(d, 'ts');
  where += optional(d, params, 'device_id', 'device', f.deviceId);
  where += optional(d, params, 'metric', 'metric', f.metric);
  where += optional(d, params, 'kind', 'kind', f.kind);
  where += optional(d, params, 'severity', 'severity', f.severity);
  where += after(d, page, 'ts', 'alert_id', params);
  const state =
    f.state === 'open' ? 'WHERE k.alert_id IS NULL' : f.state === 'acknowledged' ? 'WHERE k.alert_id IS NOT NULL' : '';
  const sql =
    `WITH ${latestAcksCte(d)}, a AS (${scan(d, alerts, '*', where)}) ` +
    `${alertSelect(d)} FROM a LEFT JOIN k ON k.alert_id = a.alert_id ${state} ` +
    `ORDER BY a.ts DESC, a.alert_id DESC LIMIT ${safeInt(page.limit, 'limit')}`;
  return { sql, params };
}

export function alertSql(d: Dialect, alertId: string, around: TimeRange): Sql {
  const where = `${inRange(d, 'ts')} AND alert_id = ${d.p('alert_id')}`;
  const sql = `WITH ${latestAcksCte(d)}, a AS (${scan(d, alerts, '*', where)}) ${alertSelect(d)} FROM a LEFT JOIN k ON k.alert_id = a.alert_id`;
  return { sql, params: { ...rangeParams(around), alert_id: alertId } };
}

/** Per device: readings and the newest one in the range, open alerts. Columns named as DeviceActivity's. */
export function deviceActivitySql(d: Dialect, range: TimeRange): Sql {
  const r = scan(d, readings, 'device_id, ts, ingested_at, flags', inRange(d, 'ts'));
  const sql =
    `WITH ${latestAcksCte(d)}, r AS (${r}), ` +
    `last AS (SELECT device_id, MAX(ts) AS last_ts, COUNT(*) AS n FROM r GROUP BY device_id), ` +
    `lastrow AS (SELECT r.device_id AS device_id, MAX(r.ingested_at) AS stored, ` +
    `STRING_AGG(ARRAY_TO_STRING(r.flags, ','), ',') AS flags FROM r JOIN last ON r.device_id = last.device_id AND r.ts = last.last_ts ` +
    `GROUP BY r.device_id), ` +
    `a AS (SELECT a0.device_id AS device_id, SUM(CASE WHEN k.alert_id IS NULL THEN 1 ELSE 0 END) AS open_alerts, ` +
    `SUM(CASE WHEN k.alert_id IS NULL AND a0.severity = 'critical' THEN 1 ELSE 0 END) AS open_critical ` +
    `FROM (${scan(d, alerts, 'alert_id, device_id, severity', inRange(d, 'ts'))}) AS a0 LEFT JOIN k ON k.alert_id = a0.alert_id ` +
    `GROUP BY a0.device_id) ` +
    `SELECT COALESCE(last.device_id, a.device_id) AS device_id, ${d.epochMs('last.last_ts')} AS last_ts, ` +
    `${d.epochMs('lastrow.stored')} AS stored, lastrow.flags AS flags, COALESCE(last.n, 0) AS n, ` +
    `COALESCE(a.open_alerts, 0) AS open_alerts, COALESCE(a.open_critical, 0) AS open_critical ` +
    `FROM last LEFT JOIN lastrow ON lastrow.device_id = last.device_id FULL OUTER JOIN a ON a.device_id = last.device_id ` +
    `ORDER BY device_id`;
  return { sql, params: rangeParams(range) };
}

function delayColumns(d: Dialect, delay: string, prefix: string): string {
  return (
    `COUNT(*) AS ${prefix}_rows, ${d.quantile(delay, 0.5)} AS ${prefix}_p50, ${d.quantile(delay, 0.95)} AS ${prefix}_p95, ` +
    `MAX(${delay}) AS ${prefix}_max`
  );
}

/** Result sets in one: kind = stored (per device), rejected (per reason), one row each for store_delay, scored, alerts. */
export function pipelineCountsSql(d: Dialect, w: PipelineWindow): Sql {
  const params: Params = { since: w.since, until: w.until, readings_since: w.readingsSince };
  const written = (column: string) => `${column} >= ${d.ts('since')} AND ${column} < ${d.ts('until')}`;
  const byTs = `ts >= ${d.ts('readings_since')}`;
  const delay = (stored: string) => `(${d.epochMs(stored)} - ${d.epochMs('ts')})`;
  const none = '0 AS d_rows, NULL AS d_p50, NULL AS d_p95, NULL AS d_max';
  const sql =
    `WITH r AS (${scan(d, readings, 'device_id, ts, ingested_at', `${byTs} AND ${written('ingested_at')}`)}) ` +
    `SELECT 'stored' AS kind, device_id AS name, COUNT(*) AS n, ${none} FROM r GROUP BY device_id ` +
    `UNION ALL SELECT 'store_delay' AS kind, '' AS name, COUNT(*) AS n, ${delayColumns(d, delay('ingested_at'), 'd')} FROM r ` +
    `UNION ALL SELECT 'rejected' AS kind, reason AS name, COUNT(*) AS n, ${none} ` +
    `FROM (${scan(d, rejected, 'reason', written('received_at'))}) AS j GROUP BY reason ` +
    `UNION ALL SELECT 'scored' AS kind, '' AS name, COUNT(*) AS n, ${delayColumns(d, delay('scored_at'), 'd')} ` +
    `FROM (${scan(d, anomalyScores, 'ts, scored_at', `${byTs} AND ${written('scored_at')}`)}) AS s ` +
    `UNION ALL SELECT 'alerts' AS kind, '' AS name, COUNT(*) AS n, ${none} ` +
    `FROM (${scan(d, alerts, 'alert_id', `${byTs} AND ${written('created_at')}`)}) AS a`;
  return { sql, params };
}

export function modelActivitySql(d: Dialect, range: TimeRange): Sql {
  const sql =
    `SELECT 'anomaly_scores' AS tbl, model, model_version, COUNT(*) AS n, ${d.epochMs('MAX(scored_at)')} AS last_at ` +
    `FROM (${scan(d, anomalyScores, 'model, model_version, scored_at', inRange(d, 'ts'))}) AS s GROUP BY model, model_version ` +
    `UNION ALL SELECT 'forecasts' AS tbl, model, model_version, COUNT(*) AS n, ${d.epochMs('MAX(issued_at)')} AS last_at ` +
    `FROM (${scan(d, forecasts, 'model, model_version, issued_at', inRange(d, 'target_ts'))}) AS f GROUP BY model, model_version ` +
    `ORDER BY tbl, model, model_version`;
  return { sql, params: rangeParams(range) };
}

/** One row: calls by kind, errors, tokens, cost and latency of the copilot calls started in the range. */
export function copilotUsageSql(d: Dialect, range: TimeRange): Sql {
  const c = scan(
    d,
    copilotCalls,
    'kind, latency_ms, tokens_in, tokens_out, error, estimated_cost_usd',
    inRange(d, 'started_at'),
  );
  const sql =
    `SELECT COUNT(*) AS calls, COALESCE(SUM(CASE WHEN kind = 'model' THEN 1 ELSE 0 END), 0) AS model_calls, ` +
    `COALESCE(SUM(CASE WHEN error IS NULL THEN 0 ELSE 1 END), 0) AS errors, COALESCE(SUM(tokens_in), 0) AS tokens_in, ` +
    `COALESCE(SUM(tokens_out), 0) AS tokens_out, COALESCE(SUM(estimated_cost_usd), 0) AS cost, ` +
    `${delayColumns(d, 'latency_ms', 'd')} FROM (${c}) AS c`;
  return { sql, params: rangeParams(range) };
}
