import type {
  AlertFilter,
  AlertView,
  CopilotUsage,
  DelayStats,
  DeviceActivity,
  ForecastRun,
  ModelActivity,
  Page,
  PipelineCounts,
  PipelineWindow,
  ScoreFilter,
  ScoreView,
  SeriesPoint,
  SeriesQuery,
  SeriesSummary,
  TimeRange,
  WarehouseReader,
} from './read-port.js';
import {
  alertSql,
  alertsSql,
  anomalyScoresSql,
  copilotUsageSql,
  deviceActivitySql,
  latestForecastSql,
  modelActivitySql,
  pipelineCountsSql,
  seriesBucketsSql,
  seriesSql,
  seriesSummarySql,
  type Dialect,
  type Sql,
} from './read-sql.js';

export type Row = Record<string, unknown>;
/** Runs one query of the read side; `what` names it in errors and logs. */
export type RunQuery = (sql: Sql, what: string) => Promise<Row[]>;

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

function iso(v: unknown): string {
  return new Date(num(v)).toISOString();
}

function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new TypeError(`expected text from the warehouse, got ${JSON.stringify(v)}`);
}

function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}

function point(r: Row): SeriesPoint {
  return {
    ts: iso(r.t),
    value: numOrNull(r.value),
    status: r.status === 'repaired' ? 'repaired' : 'accepted',
    flags: Array.isArray(r.flags) ? r.flags.map(String) : [],
    score: numOrNull(r.score),
    isAnomaly: r.is_anomaly === true,
  };
}

function alertView(r: Row): AlertView {
  return {
    alertId: str(r.alert_id),
    deviceId: str(r.device_id),
    ts: iso(r.ts),
    metric: strOrNull(r.metric),
    kind: str(r.kind),
    severity: str(r.severity) as AlertView['severity'],
    message: str(r.message),
    score: numOrNull(r.score),
    createdAt: iso(r.created_at),
    acknowledgement:
      r.acknowledged_by === null || r.acknowledged_by === undefined
        ? null
        : { by: str(r.acknowledged_by), at: iso(r.acknowledged_at), note: strOrNull(r.note) },
  };
}

function delay(r: Row | undefined): DelayStats {
  const rows = r ? num(r.d_rows) : 0;
  if (!r || rows === 0) return { rows: 0, p50Ms: null, p95Ms: null, maxMs: null };
  return { rows, p50Ms: numOrNull(r.d_p50), p95Ms: numOrNull(r.d_p95), maxMs: numOrNull(r.d_max) };
}

/**
 * The read port over any SQL warehouse: the queries come from read-sql.ts in the adapter's dialect, and the
 * rows they return are turned into the port's views here, once for both adapters.
 */
export class SqlWarehouseReader implements WarehouseReader {
  constructor(
    private readonly dialect: Dialect,
    private readonly run: RunQuery,
  ) {}

  async deviceActivity(range: TimeRange): Promise<DeviceActivity[]> {
    const rows = await this.run(deviceActivitySql(this.dialect, range), 'deviceActivity');
    return rows.map((r) => ({
      deviceId: str(r.device_id),
      lastReadingAt: isoOrNull(r.last_ts),
      lastStoredAt: isoOrNull(r.stored),
      lastFlags: [
        ...new Set((typeof r.flags === 'string' ? r.flags : '').split(',').filter((f) => f.length > 0)),
      ].sort(),
      readings: num(r.n),
      openAlerts: num(r.open_alerts),
      openCriticalAlerts: num(r.open_critical),
    }));
  }

  async seriesSummary(query: SeriesQuery): Promise<SeriesSummary> {
    const [r] = await this.run(seriesSummarySql(this.dialect, query), 'seriesSummary');
    return { points: num(r?.points ?? 0), marked: num(r?.marked ?? 0) };
  }

  async series(query: SeriesQuery, limit?: number): Promise<SeriesPoint[]> {
    return (await this.run(seriesSql(this.dialect, query, limit), 'series')).map(point);
  }

  async seriesBuckets(query: SeriesQuery, buckets: number): Promise<SeriesPoint[]> {
    return (await this.run(seriesBucketsSql(this.dialect, query, buckets), 'seriesBuckets')).map(point);
  }

  async latestForecast(query: SeriesQuery): Promise<ForecastRun | null> {
    const rows = await this.run(latestForecastSql(this.dialect, query), 'latestForecast');
    const first = rows[0];
    if (!first) return null;
    return {
      deviceId: query.deviceId,
      metric: query.metric,
      origin: iso(first.origin),
      issuedAt: iso(first.issued_at),
      model: str(first.model),
      modelVersion: str(first.model_version),
      points: rows.map((r) => ({ targetTs: iso(r.target_ts), p10: num(r.p10), p50: num(r.p50), p90: num(r.p90) })),
    };
  }

  async anomalyScores(filter: ScoreFilter, page: Page): Promise<ScoreView[]> {
    const rows = await this.run(anomalyScoresSql(this.dialect, filter, page), 'anomalyScores');
    return rows.map((r) => ({
      scoreId: str(r.score_id),
      readingId: str(r.reading_id),
      deviceId: str(r.device_id),
      ts: iso(r.ts),
      metric: strOrNull(r.metric),
      model: str(r.model),
      modelVersion: str(r.model_version),
      signal: r.signal === 'forecast_residual' ? 'forecast_residual' : 'value',
      score: num(r.score),
      threshold: num(r.threshold),
      isAnomaly: r.is_anomaly === true,
      scoredAt: iso(r.scored_at),
    }));
  }

  async alerts(filter: AlertFilter, page: Page): Promise<AlertView[]> {
    return (await this.run(alertsSql(this.dialect, filter, page), 'alerts')).map(alertView);
  }

  async alert(alertId: string, around: TimeRange): Promise<AlertView | null> {
    const [r] = await this.run(alertSql(this.dialect, alertId, around), 'alert');
    return r ? alertView(r) : null;
  }

  async pipelineCounts(window: PipelineWindow): Promise<PipelineCounts> {
    const rows = await this.run(pipelineCountsSql(this.dialect, window), 'pipelineCounts');
    const of = (kind: string) => rows.filter((r) => r.kind === kind);
    const stored = of('stored');
    return {
      stored: {
        rows: stored.reduce((s, r) => s + num(r.n), 0),
        byDevice: Object.fromEntries(stored.map((r) => [str(r.name), num(r.n)])),
      },
      rejectedByReason: Object.fromEntries(of('rejected').map((r) => [str(r.name), num(r.n)])),
      scored: num(of('scored')[0]?.n ?? 0),
      alerts: num(of('alerts')[0]?.n ?? 0),
      storeDelay: delay(of('store_delay')[0]),
      scoreDelay: delay(of('scored')[0]),
    };
  }

  async modelActivity(range: TimeRange): Promise<ModelActivity[]> {
    const rows = await this.run(modelActivitySql(this.dialect, range), 'modelActivity');
    return rows.map((r) => ({
      model: str(r.model),
      modelVersion: str(r.model_version),
      table: r.tbl === 'forecasts' ? 'forecasts' : 'anomaly_scores',
      rows: num(r.n),
      lastAt: iso(r.last_at),
    }));
  }

  async copilotUsage(range: TimeRange): Promise<CopilotUsage> {
    const [r] = await this.run(copilotUsageSql(this.dialect, range), 'copilotUsage');
    const calls = num(r?.calls ?? 0);
    return {
      calls,
      modelCalls: num(r?.model_calls ?? 0),
      toolCalls: calls - num(r?.model_calls ?? 0),
      errors: num(r?.errors ?? 0),
      tokensIn: num(r?.tokens_in ?? 0),
      tokensOut: num(r?.tokens_out ?? 0),
      estimatedCostUsd: num(r?.cost ?? 0),
      latency: delay(r),
    };
  }
}
