import type { Warehouse } from '../../shared/warehouse/port.js';
import { alerts, anomalyScores, forecasts, readings } from '../../shared/warehouse/schema/tables.js';

/**
 * A known warehouse for the dashboard's browser tests: the steel plant meter's usage_kwh over three days at
 * 15 minutes, a day-ahead forecast of day 3, one anomalous reading inside it with its open alert, and one
 * reading flagged as a spike on day 2.
 */
export const SEED = {
  device: 'steel-plant/main-meter',
  metric: 'usage_kwh',
  start: Date.UTC(2024, 2, 1),
  days: 3,
  /** Index of the anomalous reading (day 3, 12:00) and of the flagged one (day 2, 06:00). */
  anomaly: 2 * 96 + 48,
  spike: 96 + 24,
  alertId: 'alert-dashboard-test',
} as const;

const STEP_MS = 15 * 60_000;
export const seedTs = (i: number) => new Date(SEED.start + i * STEP_MS).toISOString();
/** A daily shape: the forecast follows it, readings wobble around it. */
const level = (i: number) => 100 + 40 * Math.sin((2 * Math.PI * (i % 96)) / 96);

export async function seedDashboard(warehouse: Warehouse): Promise<void> {
  const n = SEED.days * 96;
  const ingestedAt = new Date(SEED.start + n * STEP_MS).toISOString();
  await warehouse.insert(
    readings,
    Array.from({ length: n }, (_, i) =>
      readings.row.parse({
        reading_id: `seed-${i}`,
        device_id: SEED.device,
        ts: seedTs(i),
        metric: SEED.metric,
        value: i === SEED.anomaly ? 420 : i === SEED.spike ? 380 : level(i) + ((i * 37) % 11) - 5,
        unit: 'kWh',
        original_value: null,
        original_unit: null,
        status: 'accepted',
        flags: i === SEED.spike ? ['spike'] : [],
        message_id: `seed-m-${Math.floor(i / 96)}`,
        seq: i,
        ingested_at: ingestedAt,
      }),
    ),
  );
  await warehouse.insert(
    anomalyScores,
    [SEED.anomaly, SEED.anomaly + 4].map((i) =>
      anomalyScores.row.parse({
        score_id: `seed-score-${i}`,
        reading_id: `seed-${i}`,
        device_id: SEED.device,
        ts: seedTs(i),
        metric: SEED.metric,
        model: 'stream-univariate',
        model_version: '1.0.0',
        score: i === SEED.anomaly ? 0.97 : 0.2,
        threshold: 0.9,
        is_anomaly: i === SEED.anomaly,
        scored_at: ingestedAt,
        signal: 'value',
      }),
    ),
  );
  const origin = seedTs(2 * 96);
  await warehouse.insert(
    forecasts,
    Array.from({ length: 96 }, (_, k) => {
      const i = 2 * 96 + k;
      return forecasts.row.parse({
        forecast_id: `seed-fc-${i}`,
        device_id: SEED.device,
        metric: SEED.metric,
        issued_at: origin,
        origin,
        target_ts: seedTs(i),
        p10: level(i) - 20,
        p50: level(i),
        p90: level(i) + 20,
        model: 'steel-forecast',
        model_version: '1.0.0',
      });
    }),
  );
  await warehouse.insert(alerts, [
    alerts.row.parse({
      alert_id: SEED.alertId,
      device_id: SEED.device,
      ts: seedTs(SEED.anomaly),
      metric: SEED.metric,
      kind: 'anomaly',
      severity: 'critical',
      message: 'usage_kwh 420 is anomalous (score 0.97)',
      score: 0.97,
      created_at: ingestedAt,
    }),
  ]);
}
