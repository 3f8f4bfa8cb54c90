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

export const alertAcks = defineTable({
  name: 'alert_acks',
  description: 'Acknowledgements of alerts by operators; the latest one of an alert is its state.',
  columns: {
    ack_id: col.string('Deterministic hash of alert_id, acknowledged_by and acknowledged_at.'),
    alert_id: col.string('Acknowledged alert.'),
    alert_ts: col.timestamp('Time of the alert (its partition): reads of alerts prune both tables alike.'),
    device_id: col.string('Device of the alert.'),
    acknowledged_by: col.string('Who acknowledged it: the caller\'s identity or the name they gave.'),
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
    estimated_cost_usd: col.float('Estimated cost in US dollars from the configured token prices (0 for local models and tools).'),
  },
  key: 'call_id',
  partitionBy: 'started_at',
  keyFixesPartition: false,
  clusterBy: ['kind', 'name'],
  firstBy: 'started_at',
});

/** Every warehouse table; DDL, BigQuery schemas, infra and OpenAPI are generated from this list. */
export const TABLES = [readings, rejected, devices, anomalyScores, forecasts, alerts, alertAcks, copilotTurns, copilotCalls] as const;

export type ReadingRow = RowOf<typeof readings>;
export type RejectedRow = RowOf<typeof rejected>;
export type DeviceRow = RowOf<typeof devices>;
export type AnomalyScoreRow = RowOf<typeof anomalyScores>;
export type ForecastRow = RowOf<typeof forecasts>;
export type AlertRow = RowOf<typeof alerts>;
export type AlertAckRow = RowOf<typeof alertAcks>;
export type CopilotTurnRow = RowOf<typeof copilotTurns>;
export type CopilotCallRow = RowOf<typeof copilotCalls>;
