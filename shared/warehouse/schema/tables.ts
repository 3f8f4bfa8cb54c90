import { col, nullable } from './columns.js';
import { defineTable, type RowOf } from './table.js';
import { REJECTION_REASONS } from '../../readings/flags.js';

export const READING_STATUSES = ['accepted', 'repaired'] as const;

export const readings = defineTable({
  name: 'readings',
  description: 'One row per (device, timestamp, metric): the cleaned value, its original and the cleaning flags.',
  columns: {
    reading_id: col.string('Deterministic hash of device_id, ts and metric: redelivery cannot duplicate a row.'),
    device_id: col.string('Device that sent the reading.'),
    ts: col.timestamp('Time the reading describes, UTC.'),
    metric: col.string('Metric name as in the device registry.'),
    value: nullable(col.float('Value in the canonical unit; NULL when missing and not repaired.')),
    unit: col.string('Canonical unit of value.'),
    original_value: nullable(col.float('Value as the device sent it, before unit conversion and repair.')),
    original_unit: nullable(col.string('Unit as the device sent it, when it differed from the canonical one.')),
    status: col.enumOf(READING_STATUSES, 'accepted: stored as sent (maybe flagged); repaired: value was replaced.'),
    flags: col.strings('Cleaning flags, e.g. missing, spike, stuck, unit_converted.'),
    message_id: col.string('Pub/Sub message id that carried the reading.'),
    seq: nullable(col.int('Device sequence number, when sent.')),
    ingested_at: col.timestamp('Time the row was written.'),
  },
  key: 'reading_id',
  partitionBy: 'ts',
  keyFixesPartition: true,
  clusterBy: ['device_id', 'metric'],
  firstBy: 'ingested_at',
});

export const rejected = defineTable({
  name: 'rejected',
  description: 'Everything that could not be accepted, with the reason and the original payload.',
  columns: {
    rejected_id: col.string('Deterministic hash of message, reading index, metric and reason.'),
    message_id: col.string('Pub/Sub message id.'),
    reading_index: nullable(col.int('0-based index of the reading inside the message.')),
    device_id: nullable(col.string('Device, when it could be read.')),
    ts: nullable(col.timestamp('Reading time, when it could be read.')),
    metric: nullable(col.string('Metric, when the rejection concerns one metric.')),
    reason: col.enumOf(REJECTION_REASONS, 'Machine-readable reason.'),
    detail: col.string('Human-readable explanation naming the field and what would be accepted.'),
    payload: col.json('The reading (or message) as received.'),
    received_at: col.timestamp('Time the rejection was recorded.'),
  },
  key: 'rejected_id',
  partitionBy: 'received_at',
  keyFixesPartition: false,
  clusterBy: ['reason', 'device_id'],
  firstBy: 'received_at',
});

export const devices = defineTable({
  name: 'devices',
  description: 'Registry of devices: site, type, timezone and metrics with units and valid ranges.',
  columns: {
    device_id: col.string('Device id, or a pattern ending in * that matches a family of devices.'),
    site: col.string('Site the device belongs to.'),
    type: col.string('Device type; selects the cross-metric consistency rules.'),
    timezone: col.string('IANA timezone used for plant-local timestamps.'),
    metrics: col.json('Metric name -> { unit, min, max, stuckAfter, spikeZ }.'),
    updated_at: col.timestamp('Last change of the entry.'),
  },
  key: 'device_id',
  partitionBy: 'updated_at',
  keyFixesPartition: false,
  clusterBy: ['site'],
  firstBy: 'updated_at',
});

export const anomalyScores = defineTable({
  name: 'anomaly_scores',
  description: 'Anomaly score of a reading or window, from a named model version.',
  columns: {
    score_id: col.string('Deterministic hash of reading and model version.'),
    reading_id: col.string('Scored reading (or the last reading of the scored window).'),
    device_id: col.string('Device.'),
    ts: col.timestamp('Time of the scored reading.'),
    metric: nullable(col.string('Metric, for univariate detectors.')),
    model: col.string('Model name.'),
    model_version: col.string('Model version.'),
    score: col.float('Score in [0, 1], higher is more anomalous.'),
    threshold: col.float('Alarm threshold from the model card.'),
    is_anomaly: col.bool('score >= threshold after calibration.'),
    scored_at: col.timestamp('Time the score was computed.'),
    // Nullable and last: existing BigQuery tables take it as an in-place addition, DuckDB files gain it in init.
    signal: nullable(
      col.enumOf(
        ['value', 'forecast_residual'] as const,
        'What was scored: the reading itself (value) or the reading minus the p50 of its latest forecast ' +
          '(forecast_residual); NULL in rows written before this column existed, which scored the value.',
      ),
    ),
  },
  key: 'score_id',
  partitionBy: 'ts',
  keyFixesPartition: true,
  clusterBy: ['device_id', 'model'],
  firstBy: 'scored_at',
});

export const forecasts = defineTable({
  name: 'forecasts',
  description: 'Probabilistic forecasts: one row per (device, metric, issue time, target time).',
  columns: {
    forecast_id: col.string('Deterministic hash of device, metric, origin, target and model version.'),
    device_id: col.string('Device.'),
    metric: col.string('Forecast metric.'),
    issued_at: col.timestamp('Time the forecast was made.'),
    origin: col.timestamp('Forecast origin: only data strictly before it was used.'),
    target_ts: col.timestamp('Time the forecast is for.'),
    p10: col.float('10th percentile.'),
    p50: col.float('Median.'),
    p90: col.float('90th percentile.'),
    model: col.string('Model name.'),
    model_version: col.string('Model version.'),
  },
  key: 'forecast_id',
  partitionBy: 'target_ts',
  keyFixesPartition: true,
  clusterBy: ['device_id', 'metric'],
  firstBy: 'issued_at',
});

export const alerts = defineTable({
  name: 'alerts',
  description: 'Alerts raised for operators.',
  columns: {
    alert_id: col.string('Deterministic hash of the cause.'),
    device_id: col.string('Device.'),
    ts: col.timestamp('Time of the cause.'),
    metric: nullable(col.string('Metric, when one.')),
    kind: col.string('anomaly, silence, forecast_breach, ...'),
    severity: col.enumOf(['info', 'warning', 'critical'] as const, 'Severity.'),
    message: col.string('Text for operators.'),
    score: nullable(col.float('Score that raised the alert.')),
    created_at: col.timestamp('Time the alert was raised.'),
  },
  key: 'alert_id',
  partitionBy: 'ts',
  keyFixesPartition: true,
  clusterBy: ['device_id', 'kind'],
  firstBy: 'created_at',
});

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export const INCIDENT_CHANGES = [
  'opened',
  'extended',
  'escalated',
  'acknowledged',
  'resolved',
  'auto_resolved',
  'grouped',
] as const;

export const incidents = defineTable({
  name: 'incidents',
  description:
    'The alerts people act on: one incident per (device, metric, kind) episode or per plant-wide storm, one row per change ' +
    '(append-only; the row with the highest version is the current state).',
  columns: {
    event_id: col.string('Deterministic hash of incident_id and version.'),
    incident_id: col.string('Deterministic hash of the episode: device, metric, kind and opened_at.'),
    version: col.int('1 for the opening row, +1 for each change.'),
    state: col.enumOf(INCIDENT_STATES, 'State after this change.'),
    change: col.enumOf(INCIDENT_CHANGES, 'What changed.'),
    device_id: col.string('Device; <site>/* for a storm.'),
    metric: nullable(col.string('Metric; NULL for a storm.')),
    kind: col.string('anomaly, forecast_breach, or storm (many devices of one site at once).'),
    severity: col.enumOf(
      ['info', 'warning', 'critical'] as const,
      'From likelihood, duration and how many metrics or devices are involved.',
    ),
    opened_at: col.timestamp('Time of the first anomaly of the episode.'),
    last_seen_at: col.timestamp('Time of the latest anomaly of the episode.'),
    anomalies: col.int('Anomalies the episode has gathered.'),
    peak_score: col.float('Highest anomaly score of the episode.'),
    devices: col.strings('Devices involved.'),
    metrics: col.strings('Metrics involved.'),
    message: col.string('Text for operators.'),
    actor: col.string('Who made the change: a person (acknowledge, resolve) or kilowatch.'),
    changed_at: col.timestamp('Wall-clock time of the change.'),
    resolved_at: nullable(
      col.timestamp('End of the episode: last anomaly + the normal stretch (auto), or the time a person resolved it.'),
    ),
    group_id: nullable(col.string('The storm incident this one was folded into (change grouped).')),
  },
  key: 'event_id',
  partitionBy: 'opened_at',
  keyFixesPartition: true,
  clusterBy: ['device_id', 'incident_id'],
  firstBy: 'changed_at',
});

export const notifications = defineTable({
  name: 'notifications',
  description: 'Outcome of each notification of an incident change to a channel: delivered once, or dead-lettered.',
  columns: {
    notification_id: col.string('Deterministic hash of event_id and channel: one per incident state and channel.'),
    event_id: col.string('The incidents row notified.'),
    incident_id: col.string('Incident.'),
    channel: col.string('Channel name (its format and target, never a secret URL).'),
    status: col.enumOf(['delivered', 'dead_lettered'] as const, 'Outcome.'),
    attempts: col.int('Delivery attempts made.'),
    detail: col.string('Last answer or error.'),
    sent_at: col.timestamp('Time of the outcome.'),
  },
  key: 'notification_id',
  partitionBy: 'sent_at',
  keyFixesPartition: false,
  clusterBy: ['incident_id'],
  firstBy: 'sent_at',
});

export const recommendations = defineTable({
  name: 'recommendations',
  description:
    'Maintenance recommendation of a machine at a time: risk, urgency, actions and the evidence (rules in data/maintenance-rules.json).',
  columns: {
    recommendation_id: col.string('Deterministic hash of device, as_of and rules version.'),
    device_id: col.string('Machine.'),
    as_of: col.timestamp('End of the evidence window: the data the recommendation rests on ends here.'),
    risk: col.int('0 (nothing to do) to 3 (act now).'),
    urgency: col.enumOf(['hours', 'days', 'weeks', 'none'] as const, 'Act within hours, days, weeks, or no action.'),
    actions: col.strings('Recommended actions in plain words, most urgent first.'),
    rules: col.strings('Ids of the rules that fired.'),
    evidence: col.json(
      'Signals (anomaly trend, sensor drift, stuck and shutdown episodes, forecast bias, incidents) and findings.',
    ),
    rules_version: col.string('Version of the rules file.'),
    created_at: col.timestamp('Time the recommendation was made.'),
  },
  key: 'recommendation_id',
  partitionBy: 'as_of',
  keyFixesPartition: true,
  clusterBy: ['device_id'],
  firstBy: 'created_at',
});

export const modelHealth = defineTable({
  name: 'model_health',
  description:
    'Drift watch: a served model on one input series over a window: input drift (PSI, KS against the card) and performance drift.',
  columns: {
    health_id: col.string('Deterministic hash of model, version, series and as_of.'),
    model: col.string('Model name.'),
    model_version: col.string('Model version.'),
    device_id: col.string('Device of the series the model serves.'),
    metric: col.string('Metric of the series.'),
    as_of: col.timestamp('End of the window.'),
    window_from: col.timestamp('Start of the window.'),
    n: col.int('Values in the window.'),
    psi: nullable(
      col.float('Population stability index of the window against the reference (10 reference-decile bins).'),
    ),
    ks: nullable(
      col.float('Kolmogorov-Smirnov statistic: the largest gap between the window CDF and the reference CDF.'),
    ),
    mae: nullable(col.float('Mean absolute error of the p50 forecasts of the window.')),
    card_mae: nullable(col.float('The card holdout MAE.')),
    bias: nullable(col.float('Mean (value - p50) over mean |value|: the residual bias.')),
    input_drift: col.bool('PSI or KS beyond its threshold.'),
    performance_drift: col.bool('MAE or bias beyond its threshold.'),
    retrain_recommended: col.bool('Either drift.'),
    detail: col.string('What was found, in words.'),
    checked_at: col.timestamp('Time of the check.'),
  },
  key: 'health_id',
  partitionBy: 'as_of',
  keyFixesPartition: true,
  clusterBy: ['model', 'device_id'],
  firstBy: 'checked_at',
});

export const alertAcks = defineTable({
  name: 'alert_acks',
  description: 'Acknowledgements of alerts by operators; the latest one of an alert is its state.',
  columns: {
    ack_id: col.string('Deterministic hash of alert_id, acknowledged_by and acknowledged_at.'),
    alert_id: col.string('Acknowledged alert.'),
    alert_ts: col.timestamp('Time of the alert (its partition): reads of alerts prune both tables alike.'),
    device_id: col.string('Device of the alert.'),
    acknowledged_by: col.string("Who acknowledged it: the caller's identity or the name they gave."),
    acknowledged_at: col.timestamp('When it was acknowledged.'),
    note: nullable(col.string('Free text from the operator.')),
  },
  key: 'ack_id',
  partitionBy: 'alert_ts',
  keyFixesPartition: true,
  clusterBy: ['device_id', 'alert_id'],
  firstBy: 'acknowledged_at',
});

export const copilotTurns = defineTable({
  name: 'copilot_turns',
  description: 'Conversations with the copilot: one row per question or answer.',
  columns: {
    turn_id: col.string('Deterministic hash of conversation, position and role.'),
    conversation_id: col.string('Conversation the turn belongs to.'),
    position: col.int('0-based position of the turn in its conversation.'),
    caller: col.string('Who asked: the caller identity.'),
    role: col.enumOf(['user', 'assistant'] as const, 'Who said it.'),
    text: col.string('The question or the answer.'),
    tokens: col.int('Estimated tokens of the text (history is cut to the model context by these).'),
    created_at: col.timestamp('When the turn was recorded.'),
  },
  key: 'turn_id',
  partitionBy: 'created_at',
  keyFixesPartition: false,
  clusterBy: ['conversation_id'],
  firstBy: 'created_at',
});

export const copilotCalls = defineTable({
  name: 'copilot_calls',
  description: 'Every model call and tool call the copilot made, for cost and observability.',
  columns: {
    call_id: col.string('Request id and position of the call.'),
    request_id: col.string('The /v1/ask request.'),
    conversation_id: col.string('Conversation of the request.'),
    caller: col.string('Who asked.'),
    kind: col.enumOf(['model', 'tool'] as const, 'A model call or a tool call.'),
    name: col.string('Model name, or tool name.'),
    started_at: col.timestamp('When the call started.'),
    latency_ms: col.float('Duration in milliseconds.'),
    tokens_in: col.int('Prompt tokens (model calls; 0 for tools).'),
    tokens_out: col.int('Output tokens (model calls; 0 for tools).'),
    tool_calls: col.int('Tool calls the model asked for in this call (model calls).'),
    error: nullable(col.string('Error, when the call failed or was refused.')),
    estimated_cost_usd: col.float(
      'Estimated cost in US dollars from the configured token prices (0 for local models and tools).',
    ),
  },
  key: 'call_id',
  partitionBy: 'started_at',
  keyFixesPartition: false,
  clusterBy: ['kind', 'name'],
  firstBy: 'started_at',
});

/** Roll-up levels, finest first; each level's buckets are UTC (weeks are ISO weeks, starting Monday). */
export const ROLLUP_LEVELS = ['hour', 'day', 'week', 'month'] as const;
export type RollupLevel = (typeof ROLLUP_LEVELS)[number];

/** One roll-up table per level, all of one shape: the long history once raw `readings` partitions expire. */
function rollupTable(name: string, level: RollupLevel) {
  return defineTable({
    name,
    description:
      `Per device, metric and UTC ${level}: aggregates of readings.value (NULL values left out), ` +
      'maintained by the roll-up job (closed buckets only, recomputed while late data may arrive).',
    columns: {
      rollup_id: col.string('Deterministic hash of device_id, metric and bucket_start.'),
      device_id: col.string('Device.'),
      metric: col.string('Metric.'),
      bucket_start: col.timestamp(`Start of the ${level} (UTC${level === 'week' ? ', Monday 00:00' : ''}).`),
      reading_count: col.int('Readings in the bucket, missing values included.'),
      value_count: col.int('Non-NULL values the aggregates are over.'),
      flagged_count: col.int('Readings with a cleaning flag other than unit_converted (missing, spike, stuck, ...).'),
      value_sum: nullable(col.float('Sum of the values; NULL when value_count is 0.')),
      value_mean: nullable(col.float('value_sum / value_count.')),
      value_min: nullable(col.float('Smallest value.')),
      value_max: nullable(col.float('Largest value.')),
      computed_at: col.timestamp('When this bucket was last (re)computed with a change.'),
    },
    key: 'rollup_id',
    partitionBy: 'bucket_start',
    keyFixesPartition: true,
    clusterBy: ['device_id', 'metric'],
    firstBy: 'computed_at',
  });
}

export const readingsHourly = rollupTable('readings_hourly', 'hour');
export const readingsDaily = rollupTable('readings_daily', 'day');
export const readingsWeekly = rollupTable('readings_weekly', 'week');
export const readingsMonthly = rollupTable('readings_monthly', 'month');
export const ROLLUP_TABLES = {
  hour: readingsHourly,
  day: readingsDaily,
  week: readingsWeekly,
  month: readingsMonthly,
} as const satisfies Record<RollupLevel, unknown>;

export const rollupRuns = defineTable({
  name: 'rollup_runs',
  description: 'One row per roll-up run and level: the buckets it recomputed and the watermark it reached.',
  columns: {
    run_id: col.string('Deterministic hash of level, range and ran_at.'),
    level: col.enumOf(ROLLUP_LEVELS, 'Roll-up level.'),
    range_from: col.timestamp('Start of the first bucket recomputed.'),
    watermark: col.timestamp(
      'End of the last closed bucket computed: the next run starts here (less the late window).',
    ),
    buckets: col.int('Roll-up rows inserted or changed.'),
    ran_at: col.timestamp('When the run happened.'),
  },
  key: 'run_id',
  partitionBy: 'ran_at',
  keyFixesPartition: false,
  clusterBy: ['level'],
  firstBy: 'ran_at',
});

export const archiveExports = defineTable({
  name: 'archive_exports',
  description:
    'Monthly exports of closed readings partitions to Cloud Storage (Parquet, readings/year=YYYY/month=MM/): ' +
    'one row per verified export; the archived view reads only the files of recorded runs.',
  columns: {
    export_id: col.string('Deterministic hash of year, month and run_id.'),
    run_id: col.string('Export run: the files are readings/year=YYYY/month=MM/run-<run_id>-*.parquet.'),
    year: col.int('Year (UTC).'),
    month: col.int('Month 1-12 (UTC).'),
    month_start: col.timestamp('First instant of the month (UTC).'),
    row_count: col.int('Rows exported, read back from the files and equal to the warehouse count.'),
    checksum: col.string('BIT_XOR of a fingerprint of every row, equal in the warehouse and the files.'),
    uri: col.string('gs:// pattern of the files.'),
    exported_at: col.timestamp('When the export was verified.'),
  },
  key: 'export_id',
  partitionBy: 'month_start',
  keyFixesPartition: true,
  clusterBy: ['year', 'month'],
  firstBy: 'exported_at',
});

/** Every warehouse table; DDL, BigQuery schemas, infra and OpenAPI are generated from this list. */
export const TABLES = [
  readings,
  rejected,
  devices,
  anomalyScores,
  forecasts,
  alerts,
  alertAcks,
  incidents,
  notifications,
  recommendations,
  modelHealth,
  copilotTurns,
  copilotCalls,
  readingsHourly,
  readingsDaily,
  readingsWeekly,
  readingsMonthly,
  rollupRuns,
  archiveExports,
] as const;

export type ReadingRow = RowOf<typeof readings>;
export type RejectedRow = RowOf<typeof rejected>;
export type DeviceRow = RowOf<typeof devices>;
export type AnomalyScoreRow = RowOf<typeof anomalyScores>;
export type ForecastRow = RowOf<typeof forecasts>;
export type AlertRow = RowOf<typeof alerts>;
export type IncidentRow = RowOf<typeof incidents>;
export type NotificationRow = RowOf<typeof notifications>;
export type RecommendationRow = RowOf<typeof recommendations>;
export type ModelHealthRow = RowOf<typeof modelHealth>;
export type AlertAckRow = RowOf<typeof alertAcks>;
export type CopilotTurnRow = RowOf<typeof copilotTurns>;
export type CopilotCallRow = RowOf<typeof copilotCalls>;
export type RollupRow = RowOf<typeof readingsHourly>;
export type RollupRunRow = RowOf<typeof rollupRuns>;
export type ArchiveExportRow = RowOf<typeof archiveExports>;
