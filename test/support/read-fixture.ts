import type { Warehouse } from '../../shared/warehouse/port.js';
import {
  alertAcks,
  alerts,
  anomalyScores,
  forecasts,
  readings,
  rejected,
  type AlertRow,
  type AnomalyScoreRow,
  type ForecastRow,
  type ReadingRow,
} from '../../shared/warehouse/schema/tables.js';

/** A small, fully known warehouse content for read-side tests: one pump over three days at 15 minutes. */
export const FIXTURE = {
  device: 'sim-plant/machine-01',
  otherDevice: 'sim-plant/machine-02',
  metric: 'power_kw',
  start: Date.UTC(2024, 0, 1),
  /** Readings per day per metric. */
  perDay: 96,
  days: 3,
  /** Indices of power_kw readings flagged spike, and of those scored anomalous. */
  spikes: [10, 150],
  anomalies: [40, 41, 200],
  ingestedAt: '2024-01-04T00:00:00.000Z',
} as const;

const STEP = 15 * 60_000;

export function tsAt(i: number): string {
  return new Date(FIXTURE.start + i * STEP).toISOString();
}

export function readingRows(): ReadingRow[] {
  const rows: ReadingRow[] = [];
  const n = FIXTURE.perDay * FIXTURE.days;
  for (let i = 0; i < n; i++) {
    for (const metric of [FIXTURE.metric, 'temperature_c']) {
      const spike = metric === FIXTURE.metric && (FIXTURE.spikes as readonly number[]).includes(i);
      rows.push(
        readings.row.parse({
          reading_id: `rd-${metric}-${i}`,
          device_id: FIXTURE.device,
          ts: tsAt(i),
          metric,
          value: spike ? 500 : 100 + 10 * Math.sin(i / 8),
          unit: metric === FIXTURE.metric ? 'kW' : '°C',
          original_value: null,
          original_unit: null,
          status: 'accepted',
          flags: spike ? ['spike'] : i % 7 === 0 ? ['unit_converted'] : [],
          message_id: `m-${i}`,
          seq: i,
          ingested_at: FIXTURE.ingestedAt,
        }),
      );
    }
  }
  rows.push(
    readings.row.parse({
      ...rows[0],
      reading_id: 'rd-other',
      device_id: FIXTURE.otherDevice,
      ts: tsAt(5),
      flags: ['stuck'],
    }),
  );
  return rows;
}

export function scoreRows(): AnomalyScoreRow[] {
  // The detector scores from reading 20 on (it learns before).
  return Array.from({ length: FIXTURE.perDay * FIXTURE.days - 20 }, (_, k) => {
    const i = k + 20;
    const anomalous = (FIXTURE.anomalies as readonly number[]).includes(i);
    return anomalyScores.row.parse({
      score_id: `sc-${String(i).padStart(4, '0')}`,
      reading_id: `rd-${FIXTURE.metric}-${i}`,
      device_id: FIXTURE.device,
      ts: tsAt(i),
      metric: FIXTURE.metric,
      model: 'stream-univariate',
      model_version: '1.0.0',
      score: anomalous ? 0.95 : 0.1 + (i % 10) / 100,
      threshold: 0.9,
      is_anomaly: anomalous,
      scored_at: new Date(Date.parse(tsAt(i)) + 2000).toISOString(),
      signal: 'value',
    });
  });
}

export function alertRows(): AlertRow[] {
  return (FIXTURE.anomalies as readonly number[]).map((i, k) =>
    alerts.row.parse({
      alert_id: `al-${i}`,
      device_id: FIXTURE.device,
      ts: tsAt(i),
      metric: FIXTURE.metric,
      kind: k === 2 ? 'forecast_breach' : 'anomaly',
      severity: k === 0 ? 'critical' : 'warning',
      message: `anomalous power at ${tsAt(i)}`,
      score: 0.95,
      created_at: new Date(Date.parse(tsAt(i)) + 2000).toISOString(),
    }),
  );
}

/** Two forecast origins for day 3: the later one (origin day 3 00:00, version 2.0.0) is the latest. */
export function forecastRows(): ForecastRow[] {
  const origins = [
    { origin: tsAt(FIXTURE.perDay * 2 - 24), version: '1.0.0', offset: 0 },
    { origin: tsAt(FIXTURE.perDay * 2), version: '2.0.0', offset: 1 },
  ];
  return origins.flatMap(({ origin, version, offset }) =>
    Array.from({ length: 24 }, (_, h) => forecastRowsTarget(origin, version, FIXTURE.perDay * 2 + h * 4, offset)),
  );
}

function forecastRowsTarget(origin: string, version: string, i: number, offset: number): ForecastRow {
  return forecasts.row.parse({
    forecast_id: `fc-${version}-${i}`,
    device_id: FIXTURE.device,
    metric: FIXTURE.metric,
    issued_at: origin,
    origin,
    target_ts: tsAt(i),
    p10: 90 + offset,
    p50: 100 + offset,
    p90: 110 + offset,
    model: 'steel-forecast',
    model_version: version,
  });
}

/** Loads the fixture, with one acknowledgement (of the second alert) and two rejections. */
export async function loadFixture(warehouse: Warehouse): Promise<void> {
  const [, acked] = alertRows();
  await warehouse.insert(readings, readingRows());
  await warehouse.insert(anomalyScores, scoreRows());
  await warehouse.insert(alerts, alertRows());
  await warehouse.insert(forecasts, forecastRows());
  await warehouse.insert(alertAcks, [
    alertAcks.row.parse({
      ack_id: 'ack-1',
      alert_id: acked!.alert_id,
      alert_ts: acked!.ts,
      device_id: acked!.device_id,
      acknowledged_by: 'operator@example.com',
      acknowledged_at: '2024-01-05T08:00:00.000Z',
      note: 'checked the pump',
    }),
  ]);
  await warehouse.insert(
    rejected,
    ['unknown_device', 'unknown_device', 'invalid_reading'].map((reason, i) =>
      rejected.row.parse({
        rejected_id: `rj-${i}`,
        message_id: `m-r${i}`,
        reading_index: 0,
        device_id: null,
        ts: null,
        metric: null,
        reason,
        detail: `detail ${i}`,
        payload: '{}',
        received_at: '2024-01-03T12:00:00.000Z',
      }),
    ),
  );
}
