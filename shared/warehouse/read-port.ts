/**
 * The read side of the warehouse: the typed queries the API, the copilot and the CLI need. Kept apart from
 * the write port (`Warehouse`) so that neither grows the other's one-off methods. Every query is bounded by
 * a time range on the table's partition column, so BigQuery prunes partitions and DuckDB row groups.
 * Times are ISO 8601 UTC strings; ranges are half-open, [from, to).
 */

export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

/** What the warehouse knows of a device's activity within a range (readings by `ts`, alerts by `ts`). */
export interface DeviceActivity {
  readonly deviceId: string;
  /** Newest reading time in the range; null when only alerts fell in it. */
  readonly lastReadingAt: string | null;
  /** When that newest reading was stored. */
  readonly lastStoredAt: string | null;
  /** Flags of the newest reading of each metric at that time, merged (e.g. stuck, out_of_range). */
  readonly lastFlags: string[];
  readonly readings: number;
  /** Alerts in the range without an acknowledgement, and how many of them are critical. */
  readonly openAlerts: number;
  readonly openCriticalAlerts: number;
}

export interface SeriesQuery {
  readonly deviceId: string;
  readonly metric: string;
  readonly range: TimeRange;
}

/** One reading of a series, with its cleaning flags and the highest anomaly score it received. */
export interface SeriesPoint {
  readonly ts: string;
  readonly value: number | null;
  readonly status: 'accepted' | 'repaired';
  readonly flags: string[];
  /** Highest score of the reading over every model and signal; null when it was not scored. */
  readonly score: number | null;
  readonly isAnomaly: boolean;
}

export interface SeriesSummary {
  readonly points: number;
  /** Points that must survive downsampling: flagged or anomalous. */
  readonly marked: number;
}

export interface ForecastPoint {
  readonly targetTs: string;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
}

/** The forecast of the latest origin whose targets fall in the range. */
export interface ForecastRun {
  readonly deviceId: string;
  readonly metric: string;
  readonly origin: string;
  readonly issuedAt: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly points: ForecastPoint[];
}

/** Keyset position for pages ordered newest first: rows strictly after (older than) it. */
export interface PagePosition {
  readonly ts: string;
  readonly id: string;
}

export interface Page {
  readonly limit: number;
  readonly after?: PagePosition;
}

export interface ScoreFilter {
  readonly range: TimeRange;
  readonly deviceId?: string;
  readonly metric?: string;
  readonly model?: string;
  readonly signal?: 'value' | 'forecast_residual';
  readonly anomaliesOnly?: boolean;
  readonly minScore?: number;
}

export interface ScoreView {
  readonly scoreId: string;
  readonly readingId: string;
  readonly deviceId: string;
  readonly ts: string;
  readonly metric: string | null;
  readonly model: string;
  readonly modelVersion: string;
  readonly signal: 'value' | 'forecast_residual';
  readonly score: number;
  readonly threshold: number;
  readonly isAnomaly: boolean;
  readonly scoredAt: string;
}

export interface AlertFilter {
  readonly range: TimeRange;
  readonly deviceId?: string;
  readonly metric?: string;
  readonly kind?: string;
  readonly severity?: 'info' | 'warning' | 'critical';
  /** open: not acknowledged; acknowledged: acknowledged at least once. */
  readonly state?: 'open' | 'acknowledged';
}

export interface Acknowledgement {
  readonly by: string;
  readonly at: string;
  readonly note: string | null;
}

export interface AlertView {
  readonly alertId: string;
  readonly deviceId: string;
  readonly ts: string;
  readonly metric: string | null;
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
  readonly score: number | null;
  readonly createdAt: string;
  /** The latest acknowledgement, null while the alert is open. */
  readonly acknowledgement: Acknowledgement | null;
}

export interface StoredCount {
  readonly rows: number;
  /** Rows per device, for the devices with rows in the window. */
  readonly byDevice: Record<string, number>;
}

/** Delay percentiles in milliseconds over the rows of a window; null without rows. */
export interface DelayStats {
  readonly rows: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly maxMs: number | null;
}

export interface PipelineWindow {
  /** Write-time window: readings by ingested_at, rejections by received_at, scores by scored_at. */
  readonly since: string;
  readonly until: string;
  /**
   * Oldest reading time scanned: readings and scores are partitioned by their reading time, so rows stored in
   * the window about readings older than this (backfills) are not counted.
   */
  readonly readingsSince: string;
}

export interface PipelineCounts {
  readonly stored: StoredCount;
  readonly rejectedByReason: Record<string, number>;
  readonly scored: number;
  readonly alerts: number;
  /** From a reading's time to its storage (readings.ingested_at − ts). */
  readonly storeDelay: DelayStats;
  /** From a reading's time to its score (anomaly_scores.scored_at − ts). */
  readonly scoreDelay: DelayStats;
}

/** The copilot's model and tool calls that started in a range (copilot_calls). */
export interface CopilotUsage {
  readonly calls: number;
  readonly modelCalls: number;
  readonly toolCalls: number;
  /** Calls that failed or were refused. */
  readonly errors: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly estimatedCostUsd: number;
  /** Call latency percentiles in milliseconds, over every call. */
  readonly latency: DelayStats;
}

/** Use of a model version in the range: the rows it wrote. */
export interface ModelActivity {
  readonly model: string;
  readonly modelVersion: string;
  readonly table: 'anomaly_scores' | 'forecasts';
  readonly rows: number;
  readonly lastAt: string;
}

export interface WarehouseReader {
  deviceActivity(range: TimeRange): Promise<DeviceActivity[]>;
  /** Number of readings of a series in the range and how many of them are flagged or anomalous. */
  seriesSummary(query: SeriesQuery): Promise<SeriesSummary>;
  /** The readings of a series in the range, oldest first; the first `limit` only when given. */
  series(query: SeriesQuery, limit?: number): Promise<SeriesPoint[]>;
  /**
   * The series reduced to the first/last, minimum and maximum of each of `buckets` equal time buckets, plus
   * every flagged or anomalous reading; oldest first, each reading once.
   */
  seriesBuckets(query: SeriesQuery, buckets: number): Promise<SeriesPoint[]>;
  /** The forecast of the latest origin with targets in the range; null when there is none. */
  latestForecast(query: SeriesQuery): Promise<ForecastRun | null>;
  /** Scores newest first (ts, then score_id, descending), at most `page.limit`. */
  anomalyScores(filter: ScoreFilter, page: Page): Promise<ScoreView[]>;
  /** Alerts newest first (ts, then alert_id, descending), at most `page.limit`, with their latest acknowledgement. */
  alerts(filter: AlertFilter, page: Page): Promise<AlertView[]>;
  /** One alert by id; its time bounds the scan. */
  alert(alertId: string, around: TimeRange): Promise<AlertView | null>;
  pipelineCounts(window: PipelineWindow): Promise<PipelineCounts>;
  modelActivity(range: TimeRange): Promise<ModelActivity[]>;
  copilotUsage(range: TimeRange): Promise<CopilotUsage>;
}
