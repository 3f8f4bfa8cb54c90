import { alertPublication } from '../alerting/alert-message.js';
import type { StreamParams } from '../anomaly/stream/detector.js';
import { featureRow, STREAM_FEATURES, STREAM_INPUT, STREAM_OUTPUT } from '../anomaly/stream/head.js';
import { detectorParams, type DetectorModel } from '../anomaly/scoring.js';
import type { Bus } from '../bus/port.js';
import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import {
  alerts as alertsTable,
  anomalyScores,
  type AlertRow,
  type AnomalyScoreRow,
  type ForecastRow,
  type ReadingRow,
} from '../warehouse/schema/tables.js';
import { decodeCleanPayload } from '../readings/clean-payload.js';
import { scorable, type CleanReading } from './clean-message.js';
import { forecastsByTime, residualSeries, type ForecastCache, type ScoredSignal } from './forecast-residuals.js';
import { KeyedQueue, SeriesCache, SeriesState } from './series-cache.js';
import { stopAlerts, storedStop } from './stop-alerts.js';

export interface ScoreDeps {
  readonly warehouse: Warehouse;
  readonly bus: Bus;
  /** The anomaly model to serve now (the champion of KILOWATCH_SCORE_MODEL): a streaming univariate detector. */
  readonly model: () => Promise<DetectorModel>;
  readonly series: SeriesCache;
  readonly queue: KeyedQueue;
  /** Rows per metric read from the warehouse to warm up a series this instance has not seen. */
  readonly warmupRows: number;
  /** Series that have forecasts: also scored on their forecast residual (forecast-residuals.ts). */
  readonly forecasted: (deviceId: string, metric: string) => boolean;
  /** Their forecasts, read ahead and kept while fresh. */
  readonly forecasts: ForecastCache;
  readonly now?: () => number;
}

export interface ScoreSummary {
  readonly messageId: string;
  /** Scores written to anomaly_scores (a value with a forecast can get two: its own and its residual's). */
  readonly scored: number;
  /** Of those, scores of forecast residuals. */
  readonly againstForecast: number;
  readonly anomalies: number;
  /** Machines that stopped in this message (one `shutdown` alert each). */
  readonly stops: number;
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
  readonly signal: ScoredSignal;
  readonly features: number[];
  /** The forecast a residual was taken from. */
  readonly forecast?: ForecastRow;
}

/** What one series' detector steps on: the reading's value, or its residual against a forecast. */
interface SeriesInput {
  readonly reading: CleanReading;
  readonly input: number;
  readonly forecast?: ForecastRow;
}

/** A message's summary before anything of it was scored. */
export function emptyScoreSummary(messageId: string): { -readonly [K in keyof ScoreSummary]: ScoreSummary[K] } {
  return {
    messageId,
    scored: 0,
    againstForecast: 0,
    anomalies: 0,
    stops: 0,
    learning: 0,
    late: 0,
    skipped: 0,
    warmedUp: 0,
    deadLettered: false,
  };
}

/**
 * One readings-clean message through the streaming detector, series by series (device, metric), in time order.
 * Scores of warmed-up detectors go to anomaly_scores; each anomaly also becomes an alerts row and an `alerts`
 * message. A message that is not a readings-clean body is dead-lettered and the call resolves; any other failure
 * (a read, a write, a publish) throws (the message is redelivered) after forgetting the devices' states, so the redelivery rebuilds
 * them from the warehouse; deterministic ids keep anything already written from being written twice.
 */
export async function scoreCleanReadings(deps: ScoreDeps, messageId: string, data: Uint8Array): Promise<ScoreSummary> {
  const summary = emptyScoreSummary(messageId);
  const decoded = decodeCleanPayload(data);
  if (!decoded.ok) {
    await deps.bus.deadLetter({ reason: decoded.reason, raw: data, messageId, attributes: { kind: 'readings-clean' } });
    return { ...summary, deadLettered: true };
  }
  const model = await deps.model();
  const params = detectorParams(model);
  if (params.detector !== 'stream-univariate') {
    throw new Error(
      `model ${model.card.name} ${model.card.version} is a ${params.detector} detector; the score function serves a stream-univariate one per series`,
    );
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
    if (!metrics) byDevice.set(r.deviceId, (metrics = new Map<string, CleanReading[]>()));
    const list = metrics.get(r.metric);
    if (list) list.push(r);
    else metrics.set(r.metric, [r]);
  }

  const pending: Pending[] = [];
  /** Steps a series in time order; values not newer than its state are late, values while it learns unscored. */
  const step = (state: SeriesState, inputs: readonly SeriesInput[], signal: ScoredSignal) => {
    for (const { reading, input, forecast } of inputs) {
      const tsMs = Date.parse(reading.ts);
      if (tsMs <= state.lastTsMs) {
        summary.late++;
        continue;
      }
      const warm = state.warm;
      const features = state.detector.step(input);
      state.stepped++;
      state.lastTsMs = tsMs;
      if (warm)
        pending.push({
          reading,
          value: reading.value as number,
          signal,
          features: featureRow(features),
          ...(forecast ? { forecast } : {}),
        });
      else summary.learning++;
    }
  };
  // Any failure, a read as much as a write, forgets the message's device states: they may have stepped on its
  // values already, and the redelivery must step them again (rebuilt from the warehouse), not count them late.
  try {
    await Promise.all(
      [...byDevice].map(([deviceId, metrics]) =>
        deps.queue.run(deviceId, async () => {
          for (const readings of metrics.values()) readings.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
          // A cold device's stored values, read at most once for its value and residual series alike.
          let stored: Promise<ReadingRow[]> | undefined;
          const storedRows = () => (stored ??= deps.warehouse.recentReadings(deviceId, deps.warmupRows));
          const { states, warmed } = await statesOf(deps, deviceId, metrics, params, storedRows);
          summary.warmedUp += warmed;
          for (const [metric, readings] of metrics) {
            step(
              states.get(metric) as SeriesState,
              readings.map((reading) => ({ reading, input: reading.value as number })),
              'value',
            );
            if (!deps.forecasted(deviceId, metric)) continue;
            const residual = await residualStateOf(deps, deviceId, metric, readings, params, storedRows);
            summary.warmedUp += residual.warmed;
            const inputs = readings.flatMap((reading): SeriesInput[] => {
              const forecast = residual.forecasts.get(Date.parse(reading.ts));
              return forecast ? [{ reading, input: (reading.value as number) - forecast.p50, forecast }] : [];
            });
            step(residual.state, inputs, 'forecast_residual');
          }
        }),
      ),
    );
    const scoredAt = new Date((deps.now ?? Date.now)()).toISOString();
    const stops = await stopAlerts(decoded.readings, storedStop(deps.warehouse), scoredAt);
    if (pending.length === 0 && stops.length === 0) return summary;
    const scores = pending.length === 0 ? [] : await runHead(model, pending);
    const threshold = model.card.threshold as number;
    const scoreRows: AnomalyScoreRow[] = [];
    const alertRows: AlertRow[] = [...stops];
    pending.forEach(({ reading, value, signal, forecast }, i) => {
      const score = scores[i] as number;
      // Scores of values keep the ids they had before residuals were scored too.
      const scoreId =
        signal === 'value'
          ? stableId('score', reading.readingId, model.card.name, model.card.version)
          : stableId('score', reading.readingId, model.card.name, model.card.version, signal);
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
        signal,
      });
      if (isAnomaly)
        alertRows.push(
          anomalyAlert({
            reading,
            value,
            score,
            threshold,
            scoreId,
            createdAt: scoredAt,
            model: model.card.name,
            forecast,
          }),
        );
    });
    await Promise.all([deps.warehouse.insert(anomalyScores, scoreRows), deps.warehouse.insert(alertsTable, alertRows)]);
    if (alertRows.length > 0) {
      await deps.bus.publish('alerts', alertRows.map(alertPublication));
    }
    summary.scored = scoreRows.length;
    summary.againstForecast = scoreRows.filter((r) => r.signal === 'forecast_residual').length;
    summary.anomalies = alertRows.length - stops.length;
    summary.stops = stops.length;
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
  storedRows: () => Promise<ReadingRow[]>,
): Promise<{ states: Map<string, SeriesState>; warmed: number }> {
  const states = new Map<string, SeriesState>();
  for (const metric of metrics.keys()) {
    const state = deps.series.get(deviceId, metric);
    if (state) states.set(metric, state);
  }
  const cold = [...metrics.keys()].filter((m) => !states.has(m));
  if (cold.length === 0) return { states, warmed: 0 };
  const stored = await storedRows();
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

/**
 * The residual series of a forecasted metric, rebuilt when this instance does not hold it from the device's
 * latest stored values older than the message that have a forecast; and the forecasts of the message's values.
 * One forecasts query covers both.
 */
async function residualStateOf(
  deps: ScoreDeps,
  deviceId: string,
  metric: string,
  readings: readonly CleanReading[],
  params: StreamParams,
  storedRows: () => Promise<ReadingRow[]>,
): Promise<{ state: SeriesState; forecasts: Map<number, ForecastRow>; warmed: number }> {
  const first = (readings[0] as CleanReading).ts;
  const last = (readings[readings.length - 1] as CleanReading).ts;
  const held = deps.series.get(deviceId, residualSeries(metric));
  if (held)
    return {
      state: held,
      forecasts: await deps.forecasts.forTimes(
        deviceId,
        metric,
        readings.map((r) => Date.parse(r.ts)),
      ),
      warmed: 0,
    };
  const firstMs = Date.parse(first);
  const history = (await storedRows())
    .filter((r) => r.metric === metric && scorable(r.value, r.flags) && Date.parse(r.ts) < firstMs)
    .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const forecasts = forecastsByTime(
    await deps.warehouse.latestForecasts(deviceId, metric, history[0]?.ts ?? first, last),
  );
  const state = new SeriesState(params);
  for (const r of history) {
    const tsMs = Date.parse(r.ts);
    const forecast = forecasts.get(tsMs);
    if (!forecast) continue;
    state.detector.step((r.value as number) - forecast.p50);
    state.stepped++;
    state.lastTsMs = tsMs;
  }
  deps.series.set(deviceId, residualSeries(metric), state);
  return { state, forecasts, warmed: 1 };
}

/** The card's scoring head over every pending value of the message, in one call. */
async function runHead(model: DetectorModel, pending: readonly Pending[]): Promise<ArrayLike<number>> {
  const width = STREAM_FEATURES.length;
  const data = new Float64Array(pending.length * width);
  pending.forEach((p, i) => data.set(p.features, i * width));
  const out = await model.run({ [STREAM_INPUT]: { data, dims: [pending.length, width] } });
  return (out[STREAM_OUTPUT] as { data: ArrayLike<number> }).data;
}

interface AlertCause {
  readonly reading: CleanReading;
  readonly value: number;
  readonly score: number;
  readonly threshold: number;
  readonly scoreId: string;
  readonly createdAt: string;
  readonly model: string;
  /** Set for a residual's alert: the forecast the value strayed from. */
  readonly forecast?: ForecastRow | undefined;
}

function anomalyAlert(c: AlertCause): AlertRow {
  const { reading, value, forecast } = c;
  const kind = forecast ? 'forecast_breach' : 'anomaly';
  const what = forecast
    ? `is ${fmt(Math.abs(value - forecast.p50))} ${reading.unit} ${value >= forecast.p50 ? 'above' : 'below'} its forecast ` +
      `(p50 ${fmt(forecast.p50)}, 80 % interval ${fmt(forecast.p10)}–${fmt(forecast.p90)}, ${forecast.model} ${forecast.model_version})`
    : 'is anomalous';
  return {
    alert_id: stableId('alert', kind, c.scoreId),
    device_id: reading.deviceId,
    ts: reading.ts,
    metric: reading.metric,
    kind,
    severity: c.score >= CRITICAL_SCORE ? 'critical' : 'warning',
    message: `${reading.deviceId} ${reading.metric} = ${fmt(value)} ${reading.unit} at ${reading.ts} ${what}: score ${fmt(c.score)} ≥ threshold ${fmt(c.threshold)} (${c.model})`,
    score: c.score,
    created_at: c.createdAt,
  };
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
