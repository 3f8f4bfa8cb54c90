import type { IncidentReads } from '../alerting/reads.js';
import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { recommendations, type RecommendationRow } from '../warehouse/schema/tables.js';
import { signalsOf, type EvidenceInput } from './evidence.js';
import type { MaintenanceReads } from './reads.js';
import { recommendationOf } from './recommend.js';
import type { MaintenanceRules } from './rules.js';

export interface RecommendDeps {
  readonly warehouse: Warehouse;
  readonly reads: MaintenanceReads;
  readonly incidents: IncidentReads;
  readonly rules: MaintenanceRules;
  /** Series with forecasts (KILOWATCH_FORECAST_TARGETS): their residual bias is evidence. */
  readonly forecasted: (deviceId: string, metric: string) => boolean;
  readonly now: () => number;
}

export interface RecommendOptions {
  readonly deviceId?: string;
  /** An ISO time; `latest`: each machine as of its newest reading (replayed or historic data); default now. */
  readonly asOf?: string;
  /** Write the rows to `recommendations` (the daily run and on-demand runs do; a dry look does not). */
  readonly store: boolean;
}

const HOUR = 3_600_000;

/** Recommendations for every machine that reported over the evidence window (or the one asked for). */
export async function recommendMachines(deps: RecommendDeps, options: RecommendOptions): Promise<RecommendationRow[]> {
  const { windows } = deps.rules;
  const spanMs = (windows.recentHours + windows.baselineDays * 24) * HOUR;
  const latest = options.asOf === 'latest';
  const to = latest || options.asOf === undefined ? deps.now() : Date.parse(options.asOf);
  if (!Number.isFinite(to)) throw new Error(`asOf: '${options.asOf}' is not an ISO 8601 time or 'latest'`);
  // `latest` looks for each machine's newest reading whenever it was.
  const devices = (
    await deps.reads.activeDevices(new Date(latest ? 0 : to - spanMs).toISOString(), new Date(to).toISOString())
  ).filter((d) => options.deviceId === undefined || d.deviceId === options.deviceId);
  if (options.deviceId !== undefined && devices.length === 0)
    throw new Error(`no readings of ${options.deviceId} in the evidence window`);
  const createdAt = new Date(deps.now()).toISOString();
  const rows: RecommendationRow[] = [];
  for (const device of devices) {
    const asOfMs = latest ? device.lastTsMs + 1 : to;
    const from = new Date(asOfMs - spanMs).toISOString();
    const asOf = new Date(asOfMs).toISOString();
    const input = await evidenceInput(
      deps,
      device.deviceId,
      device.metrics,
      from,
      asOf,
      asOfMs - windows.recentHours * HOUR,
    );
    const r = recommendationOf(signalsOf(input, asOfMs, windows, deps.rules.residuals), deps.rules);
    rows.push({
      recommendation_id: stableId('recommendation', device.deviceId, asOf, deps.rules.version),
      device_id: device.deviceId,
      as_of: asOf,
      risk: r.risk,
      urgency: r.urgency,
      actions: r.actions,
      rules: r.findings.map((f) => f.rule),
      evidence: JSON.stringify({ signals: r.signals, findings: r.findings, window: { from, to: asOf } }),
      rules_version: deps.rules.version,
      created_at: createdAt,
    });
  }
  if (options.store) await deps.warehouse.insert(recommendations, rows);
  return rows;
}

async function evidenceInput(
  deps: RecommendDeps,
  deviceId: string,
  metrics: string[],
  from: string,
  to: string,
  recentFromMs: number,
): Promise<EvidenceInput> {
  const [readings, scores, incidents] = await Promise.all([
    deps.warehouse.readingsBetween(deviceId, metrics, from, to),
    deps.reads.scoresBetween(deviceId, from, to),
    deps.incidents.currentIncidents({ changedSince: from, limit: 10_000 }),
  ]);
  const forecastPairs = [];
  for (const metric of metrics.filter((m) => deps.forecasted(deviceId, m))) {
    const byTs = new Map(
      (await deps.warehouse.latestForecasts(deviceId, metric, new Date(recentFromMs).toISOString(), to)).map((f) => [
        Date.parse(f.target_ts),
        f.p50,
      ]),
    );
    for (const r of readings) {
      const p50 = byTs.get(Date.parse(r.ts));
      if (r.metric === metric && r.value !== null && p50 !== undefined) forecastPairs.push({ value: r.value, p50 });
    }
  }
  return {
    readings: readings.map((r) => ({ tsMs: Date.parse(r.ts), metric: r.metric, value: r.value, flags: r.flags })),
    scores,
    incidents: incidents.filter((i) => i.devices.includes(deviceId)),
    forecastPairs,
  };
}
