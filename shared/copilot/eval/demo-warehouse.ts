import { loadSteel, STEEL_DEVICE_ID } from '../../demo/steel.js';
import { readingId, stableId } from '../../readings/ids.js';
import type { Warehouse } from '../../warehouse/port.js';
import {
  alerts,
  anomalyScores,
  copilotCalls,
  forecasts,
  incidents,
  readings,
  rejected,
  type AlertRow,
  type AnomalyScoreRow,
  type CopilotCallRow,
  type ForecastRow,
  type IncidentRow,
  type ReadingRow,
  type RejectedRow,
} from '../../warehouse/schema/tables.js';

/**
 * The copilot's evaluation plant: March 2018 of the steel plant's real meter data, as stored readings, plus
 * known events written around it (alerts and scores on three days, two machines of which one falls silent,
 * incidents of the last week, rejected readings, a day-ahead forecast, past copilot calls). "Now" is the end of
 * March, plant time.
 */
export const DEMO = {
  meter: STEEL_DEVICE_ID,
  from: '2018-02-28T15:00:00.000Z', // 2018-03-01 00:00 Asia/Seoul
  now: '2018-03-31T15:00:00.000Z', // 2018-04-01 00:00 Asia/Seoul
  tomorrow: { from: '2018-03-31T15:00:00.000Z', to: '2018-04-01T15:00:00.000Z' },
  spike: '2018-03-06T01:00:00.000Z', // Tuesday 2018-03-06 10:00 Asia/Seoul
  machines: ['sim-plant/machine-01', 'sim-plant/machine-02'],
  machineSilentFrom: '2018-03-31T13:00:00.000Z',
  /** Who acknowledged the storm of sim-plant. */
  stormAcknowledgedBy: 'operator.kim',
} as const;

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function reading(
  deviceId: string,
  tsMs: number,
  metric: string,
  value: number,
  unit: string,
  flags: string[] = [],
): ReadingRow {
  return {
    reading_id: readingId(deviceId, tsMs, metric),
    device_id: deviceId,
    ts: iso(tsMs),
    metric,
    value,
    unit,
    original_value: null,
    original_unit: null,
    status: 'accepted',
    flags,
    message_id: `demo-${tsMs}`,
    seq: null,
    ingested_at: iso(tsMs + MIN),
  };
}

const STEEL_UNITS: Record<string, string> = {
  usage_kwh: 'kWh',
  lagging_reactive_kvarh: 'kVArh',
  leading_reactive_kvarh: 'kVArh',
  co2_t: 't',
  lagging_pf: '%',
  leading_pf: '%',
};

function steelReadings(): ReadingRow[] {
  const from = Date.parse(DEMO.from);
  const to = Date.parse(DEMO.now);
  return loadSteel()
    .filter((r) => r.tsMs > from && r.tsMs <= to)
    .flatMap((r) =>
      Object.entries(r.metrics).map(([m, v]) => reading(DEMO.meter, r.tsMs, m, v, STEEL_UNITS[m] as string)),
    );
}

/** Two machines over the last two hours, one a minute; machine-02 stops two hours before now, machine-01 vibrates. */
function machineReadings(): ReadingRow[] {
  const now = Date.parse(DEMO.now);
  const rows: ReadingRow[] = [];
  for (const [k, id] of DEMO.machines.entries()) {
    const stop = k === 1 ? Date.parse(DEMO.machineSilentFrom) : now;
    for (let t = now - 4 * 60 * MIN; t < stop; t += MIN) {
      const i = (t - now) / MIN;
      const vibration = k === 0 && i > -30 ? 8 + (i + 30) * 0.05 : 2.2 + 0.1 * Math.sin(i / 7);
      rows.push(reading(id, t, 'power_kw', 120 + 5 * Math.sin(i / 11) + 20 * k, 'kW'));
      rows.push(reading(id, t, 'temperature_c', 60 + k * 5, '°C'));
      rows.push(reading(id, t, 'vibration_mm_s', Math.round(vibration * 100) / 100, 'mm/s'));
    }
  }
  return rows;
}

function alert(
  deviceId: string,
  ts: string,
  metric: string | null,
  kind: string,
  severity: AlertRow['severity'],
  message: string,
  score: number | null,
): AlertRow {
  return {
    alert_id: stableId('alert', deviceId, ts, kind, metric ?? ''),
    device_id: deviceId,
    ts,
    metric,
    kind,
    severity,
    message,
    score,
    created_at: ts,
  };
}

function demoAlerts(): AlertRow[] {
  return [
    alert(DEMO.meter, DEMO.spike, 'usage_kwh', 'anomaly', 'warning', 'usage_kwh unusually high for the hour', 0.97),
    alert(
      DEMO.meter,
      '2018-03-06T01:15:00.000Z',
      'lagging_reactive_kvarh',
      'anomaly',
      'warning',
      'lagging reactive energy unusually high',
      0.93,
    ),
    alert(
      DEMO.meter,
      '2018-03-14T05:30:00.000Z',
      'usage_kwh',
      'anomaly',
      'critical',
      'usage_kwh far above its usual level',
      0.995,
    ),
    alert(
      DEMO.meter,
      '2018-03-21T03:00:00.000Z',
      'usage_kwh',
      'forecast_breach',
      'warning',
      'usage_kwh above the forecast p90',
      0.91,
    ),
    alert(
      DEMO.machines[0],
      '2018-03-31T14:40:00.000Z',
      'vibration_mm_s',
      'anomaly',
      'critical',
      'vibration_mm_s above 7.1 mm/s and rising',
      0.99,
    ),
  ];
}

function demoScores(rows: readonly AlertRow[]): AnomalyScoreRow[] {
  return rows.map((a) => ({
    score_id: stableId('score', a.alert_id),
    reading_id: readingId(a.device_id, Date.parse(a.ts), a.metric ?? ''),
    device_id: a.device_id,
    ts: a.ts,
    metric: a.metric,
    model: 'stream-univariate',
    model_version: '1',
    score: a.score ?? 0,
    threshold: 0.9,
    is_anomaly: true,
    scored_at: a.ts,
    signal: a.kind === 'forecast_breach' ? 'forecast_residual' : 'value',
  }));
}

/** Ten readings rejected during the last day, for "how many readings were rejected yesterday and why". */
function demoRejected(): RejectedRow[] {
  const times = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);
  const reasons: Array<RejectedRow['reason']> = [
    ...times(5, 'invalid_reading' as const),
    ...times(3, 'unknown_device' as const),
    ...times(2, 'duplicate' as const),
  ];
  const now = Date.parse(DEMO.now);
  return reasons.map((reason, i) => ({
    rejected_id: stableId('rejected', String(i)),
    message_id: `demo-rej-${i}`,
    reading_index: 0,
    device_id: reason === 'unknown_device' ? 'sim-plant/unknown-9' : DEMO.meter,
    ts: iso(now - (i + 2) * 60 * MIN),
    metric: 'usage_kwh',
    reason,
    detail: `demo rejection: ${reason}`,
    payload: '{}',
    received_at: iso(now - (i + 2) * 60 * MIN + MIN),
  }));
}

/** The day-ahead forecast of tomorrow: p50 the same quarter-hour's mean over the last 7 days, ±20 % interval. */
function demoForecast(meter: readonly ReadingRow[]): ForecastRow[] {
  const usage = meter.filter((r) => r.metric === 'usage_kwh');
  const start = Date.parse(DEMO.tomorrow.from);
  const rows: ForecastRow[] = [];
  for (let k = 1; k <= 96; k++) {
    const target = start + k * 15 * MIN;
    const past = usage.filter((r) => {
      const d = (target - Date.parse(r.ts)) / (24 * 60 * MIN);
      return Number.isInteger(d) && d >= 1 && d <= 7;
    });
    const p50 = Math.round((past.reduce((s, r) => s + (r.value ?? 0), 0) / Math.max(1, past.length)) * 1000) / 1000;
    rows.push({
      forecast_id: stableId('forecast', String(target)),
      device_id: DEMO.meter,
      metric: 'usage_kwh',
      issued_at: DEMO.now,
      origin: DEMO.now,
      target_ts: iso(target),
      p10: Math.round(p50 * 800) / 1000,
      p50,
      p90: Math.round(p50 * 1200) / 1000,
      model: 'steel-forecast',
      model_version: '1',
    });
  }
  return rows;
}

type IncidentEpisode = Pick<
  IncidentRow,
  'device_id' | 'metric' | 'kind' | 'severity' | 'opened_at' | 'devices' | 'metrics' | 'message' | 'peak_score'
>;

/** An incident's rows, one per change: [change, state, actor, changed_at]. */
function incidentRows(
  e: IncidentEpisode,
  changes: ReadonlyArray<[IncidentRow['change'], IncidentRow['state'], string, string]>,
): IncidentRow[] {
  const incidentId = stableId('incident', e.device_id, e.metric ?? '', e.kind, e.opened_at);
  return changes.map(([change, state, actor, changedAt], i) => ({
    ...e,
    event_id: stableId('incident-event', incidentId, String(i + 1)),
    incident_id: incidentId,
    version: i + 1,
    state,
    change,
    last_seen_at: e.opened_at,
    anomalies: e.devices.length,
    actor,
    changed_at: changedAt,
    resolved_at: state === 'resolved' ? changedAt : null,
    group_id: null,
  }));
}

/**
 * Three incidents of the last week: machine-01's vibration (open), a storm of sim-plant (acknowledged), and a
 * meter episode a person resolved.
 */
function demoIncidents(): IncidentRow[] {
  const storm: IncidentEpisode = {
    device_id: 'sim-plant/*',
    metric: null,
    kind: 'storm',
    severity: 'critical',
    opened_at: '2018-03-31T13:00:00.000Z',
    devices: [...DEMO.machines],
    metrics: ['power_kw', 'vibration_mm_s'],
    message: '2 devices of sim-plant anomalous at once',
    peak_score: 0.99,
  };
  const vibration: IncidentEpisode = {
    device_id: DEMO.machines[0],
    metric: 'vibration_mm_s',
    kind: 'anomaly',
    severity: 'critical',
    opened_at: '2018-03-31T14:40:00.000Z',
    devices: [DEMO.machines[0]],
    metrics: ['vibration_mm_s'],
    message: 'vibration_mm_s above 7.1 mm/s and rising',
    peak_score: 0.99,
  };
  const meter: IncidentEpisode = {
    device_id: DEMO.meter,
    metric: 'usage_kwh',
    kind: 'anomaly',
    severity: 'warning',
    opened_at: '2018-03-28T02:00:00.000Z',
    devices: [DEMO.meter],
    metrics: ['usage_kwh'],
    message: 'usage_kwh unusually high for the hour',
    peak_score: 0.95,
  };
  return [
    ...incidentRows(storm, [
      ['opened', 'open', 'kilowatch', '2018-03-31T13:01:00.000Z'],
      ['acknowledged', 'acknowledged', DEMO.stormAcknowledgedBy, '2018-03-31T13:20:00.000Z'],
    ]),
    ...incidentRows(vibration, [['opened', 'open', 'kilowatch', '2018-03-31T14:41:00.000Z']]),
    ...incidentRows(meter, [
      ['opened', 'open', 'kilowatch', '2018-03-28T02:01:00.000Z'],
      ['resolved', 'resolved', 'a.lee', '2018-03-28T03:00:00.000Z'],
    ]),
  ];
}

function demoCalls(): CopilotCallRow[] {
  const now = Date.parse(DEMO.now);
  return Array.from({ length: 6 }, (_, i) => ({
    call_id: `demo-call-${i}`,
    request_id: `demo-req-${Math.floor(i / 2)}`,
    conversation_id: 'demo',
    caller: 'demo',
    kind: i % 2 === 0 ? 'model' : 'tool',
    name: i % 2 === 0 ? 'gemini-2.5-flash' : 'series_stats',
    started_at: iso(now - (i + 1) * 24 * 60 * MIN),
    latency_ms: 900,
    tokens_in: i % 2 === 0 ? 4000 : 0,
    tokens_out: i % 2 === 0 ? 300 : 0,
    tool_calls: i % 2 === 0 ? 1 : 0,
    error: null,
    estimated_cost_usd: i % 2 === 0 ? 0.0015 : 0,
  }));
}

/** Writes the evaluation plant into an initialised warehouse. */
export async function writeDemoWarehouse(warehouse: Warehouse): Promise<void> {
  const meter = steelReadings();
  const planted = demoAlerts();
  await warehouse.insert(readings, [...meter, ...machineReadings()]);
  await warehouse.insert(alerts, planted);
  await warehouse.insert(anomalyScores, demoScores(planted));
  await warehouse.insert(rejected, demoRejected());
  await warehouse.insert(forecasts, demoForecast(meter));
  await warehouse.insert(copilotCalls, demoCalls());
  await warehouse.insert(incidents, demoIncidents());
}
