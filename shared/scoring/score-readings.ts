import type { StreamParams } from '../anomaly/stream/detector.js';
import { featureRow, STREAM_FEATURES, STREAM_INPUT, STREAM_OUTPUT } from '../anomaly/stream/head.js';
import { detectorParams, type DetectorModel } from '../anomaly/scoring.js';
import type { Bus } from '../bus/port.js';
import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { alerts as alertsTable, anomalyScores, type AlertRow, type AnomalyScoreRow } from '../warehouse/schema/tables.js';
import { decodeCleanMessage, scorable, type CleanReading } from './clean-message.js';
import { KeyedQueue, SeriesCache, SeriesState } from './series-cache.js';

export interface ScoreDeps {
  readonly warehouse: Warehouse;
  readonly bus: Bus;
  /** The anomaly model to serve now (the champion of KILOWATCH_SCORE_MODEL): a streaming univariate detector. */
  readonly model: () => Promise<DetectorModel>;
  readonly series: SeriesCache;
  readonly queue: KeyedQueue;
  /** Rows per metric read from the warehouse to warm up a series this instance has not seen. */
  readonly warmupRows: number;
  readonly now?: () => number;
}

export interface ScoreSummary {
  readonly messageId: string;
  /** Values written to anomaly_scores. */
  readonly scored: number;
  readonly anomalies: number;
  /** Values fed to a detector still in its learning rows: no score written. */
  readonly learning: number;
  /** Values not newer than what the series' detector has already seen (redelivery, out-of-order): not scored. */
  readonly late: number;
  /** Nulls and values flagged missing/out_of_range/stuck/shutdown. */
  readonly skipped: number;
  /** Series rebuilt from the warehouse for this message. */
  readonly warmedUp: number;
  readonly deadLettered: boolean;
}

/** Score at or above which an anomaly alert is critical (tail ≤ ~1e-9, or a value outside the range seen so far). */
export const CRITICAL_SCORE = 0.9;

interface Pending {
  readonly reading: CleanReading;
  readonly value: number;
  readonly features: [number, number, number];
}

/**
 * One readings-clean message through the streaming detector, series by series (device, metric), in time order.
 * Scores of warmed-up detectors go to anomaly_scores; each anomaly also becomes an alerts row and an `alerts`
 * message. A message that is not a readings-clean body is dead-lettered and the call resolves; warehouse or bus
 * failures throw (the message is redelivered) after forgetting the devices' states, so the redelivery rebuilds
 * them from the warehouse; deterministic ids keep anything already written from being written twice.
 */
export async function scoreCleanReadings(deps: ScoreDeps, messageId: string, data: Uint8Array): Promise<ScoreSummary> {
  const summary = { messageId, scored: 0, anomalies: 0, learning: 0, late: 0, skipped: 0, warmedUp: 0, deadLettered: false };
  const decoded = decodeCleanMessage(data);
  if (!decoded.ok) {
    await deps.bus.deadLetter({ reason: decoded.reason, raw: data, messageId, attributes: { kind: 'readings-clean' } });
    return { ...summary, deadLettered: true };
  }
  const model = await deps.model();
  const params = detectorParams(model);
  if (params.detector !== 'stream-univariate') {
    throw new Error(`model ${model.card.name} ${model.card.version} is a ${params.detector} detector; the score function serves a stream-univariate one per series`);
  }
  deps.series.useModel(`${model.card.name}@${model.card.version}`);

  const byDevice = new Map<string, Map<string, CleanReading[]>>();
  const seen = new Set<string>();
  for (const r of decoded.readings) {
    if (seen.has(r.readingId)) continue;
    seen.add(r.readingId);
    if (!scorable(r.value, r.flags)) {
      summary.skipped++;
      continue;
    }
    let metrics = byDevice.get(r.deviceId);
    if (!metrics) byDevice.set(r.deviceId, (metrics = new Map()));
    const list = metrics.get(r.metric);
    if (list) list.push(r);
    else metrics.set(r.metric, [r]);
  }

  const pending: Pending[] = [];
  await Promise.all(
    [...byDevice].map(([deviceId, metrics]) =>
      deps.queue.run(deviceId, async () => {
        const { states, warmed } = await statesOf(deps, deviceId, metrics, params as StreamParams);
        summary.warmedUp += warmed;
        for (const [metric, readings] of metrics) {
          const state = states.get(metric) as SeriesState;
          readings.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
          for (const reading of readings) {
            const tsMs = Date.parse(reading.ts);
            if (tsMs <= state.lastTsMs) {
              summary.late++;
              continue;
            }
            const value = reading.value as number;
            const warm = state.warm;
            const features = state.detector.step(value);
            state.stepped++;
            state.lastTsMs = tsMs;
            if (warm) pending.push({ reading, value, features: featureRow(features) });
            else summary.learning++;
          }
        }
      }),
    ),
  );
  if (pending.length === 0) return summary;

  try {
    const scores = await runHead(model, pending);
    const scoredAt = new Date((deps.now ?? Date.now)()).toISOString();
    const threshold = model.card.threshold as number;
    const scoreRows: AnomalyScoreRow[] = [];
    const alertRows: AlertRow[] = [];
    pending.forEach(({ reading, value }, i) => {
      const score = scores[i] as number;
      const scoreId = stableId('score', reading.readingId, model.card.name, model.card.version);
      const isAnomaly = score >= threshold;
      scoreRows.push({
        score_id: scoreId,
        reading_id: reading.readingId,
        device_id: reading.deviceId,
        ts: reading.ts,
        metric: reading.metric,
        model: model.card.name,
        model_version: model.card.version,
        score,
        threshold,
        is_anomaly: isAnomaly,
        scored_at: scoredAt,
      });
      if (isAnomaly) alertRows.push(anomalyAlert(reading, value, score, threshold, scoreId, scoredAt, model.card.name));
    });
    await Promise.all([deps.warehouse.insert(anomalyScores, scoreRows), deps.warehouse.insert(alertsTable, alertRows)]);
    if (alertRows.length > 0) {
      await deps.bus.publish(
        'alerts',
        alertRows.map((a) => ({ data: JSON.stringify(alertMessage(a)), attributes: { kind: a.kind, severity: a.severity, deviceId: a.device_id } })),
      );
    }
    summary.scored = scoreRows.length;
    summary.anomalies = alertRows.length;
  } catch (error) {
    deps.series.invalidate(byDevice.keys());
    throw error;
  }
  return summary;
}

/**
 * Builds the states of the message's series this instance does not hold, from the device's latest stored
 * readings older than the message's first value of each metric (replayed oldest first, skipping what is not
 * scored). Readings newer than that are left to their own messages.
 */
async function statesOf(
  deps: ScoreDeps,
  deviceId: string,
  metrics: Map<string, CleanReading[]>,
  params: StreamParams,
): Promise<{ states: Map<string, SeriesState>; warmed: number }> {
  const states = new Map<string, SeriesState>();
  for (const metric of metrics.keys()) {
    const state = deps.series.get(deviceId, metric);
    if (state) states.set(metric, state);
  }
  const cold = [...metrics.keys()].filter((m) => !states.has(m));
  if (cold.length === 0) return { states, warmed: 0 };
  const stored = await deps.warehouse.recentReadings(deviceId, deps.warmupRows);
  for (const metric of cold) {
    const first = Math.min(...(metrics.get(metric) as CleanReading[]).map((r) => Date.parse(r.ts)));
    const history = stored
      .filter((r) => r.metric === metric && scorable(r.value, r.flags))
      .map((r) => ({ tsMs: Date.parse(r.ts), value: r.value as number }))
      .filter((r) => r.tsMs < first)
      .sort((a, b) => a.tsMs - b.tsMs);
    const state = new SeriesState(params);
    for (const r of history) {
      state.detector.step(r.value);
      state.stepped++;
      state.lastTsMs = r.tsMs;
    }
    deps.series.set(deviceId, metric, state);
    states.set(metric, state);
  }
  return { states, warmed: cold.length };
}

/** The card's scoring head over every pending value of the message, in one call. */
async function runHead(model: DetectorModel, pending: readonly Pending[]): Promise<ArrayLike<number>> {
  const width = STREAM_FEATURES.length;
  const data = new Float64Array(pending.length * width);
  pending.forEach((p, i) => data.set(p.features, i * width));
  const out = await model.run({ [STREAM_INPUT]: { data, dims: [pending.length, width] } });
  return (out[STREAM_OUTPUT] as { data: ArrayLike<number> }).data;
}

function anomalyAlert(reading: CleanReading, value: number, score: number, threshold: number, scoreId: string, createdAt: string, model: string): AlertRow {
  const severity = score >= CRITICAL_SCORE ? 'critical' : 'warning';
  return {
    alert_id: stableId('alert', 'anomaly', scoreId),
    device_id: reading.deviceId,
    ts: reading.ts,
    metric: reading.metric,
    kind: 'anomaly',
    severity,
    message:
      `${reading.deviceId} ${reading.metric} = ${fmt(value)} ${reading.unit} at ${reading.ts} is anomalous: ` +
      `score ${fmt(score)} ≥ threshold ${fmt(threshold)} (${model})`,
    score,
    created_at: createdAt,
  };
}

/** What alert consumers receive on the `alerts` topic: the alerts row in camelCase; alertId lets them drop repeats. */
function alertMessage(a: AlertRow) {
  return {
    alertId: a.alert_id,
    deviceId: a.device_id,
    ts: a.ts,
    metric: a.metric,
    kind: a.kind,
    severity: a.severity,
    message: a.message,
    score: a.score,
    createdAt: a.created_at,
  };
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
