import type { IncidentRow } from '../warehouse/schema/tables.js';
import { residualSignals } from './residuals.js';
import type { MaintenanceRules } from './rules.js';

export interface EvidenceReading {
  readonly tsMs: number;
  readonly metric: string;
  readonly value: number | null;
  readonly flags: readonly string[];
}

export interface EvidenceInput {
  /** The machine's readings over the baseline and recent windows, any order. */
  readonly readings: readonly EvidenceReading[];
  /** Its anomaly scores over the same span. */
  readonly scores: ReadonlyArray<{ readonly tsMs: number; readonly isAnomaly: boolean }>;
  /** Incidents that concern it (current rows). */
  readonly incidents: readonly IncidentRow[];
  /** Values of forecasted series in the recent window with the p50 forecast for their time. */
  readonly forecastPairs: ReadonlyArray<{ readonly value: number; readonly p50: number }>;
}

/** Signal name → value (null: not enough data to say); what the rules test. */
export type Signals = Record<string, number | null>;

/** Values the drift statistics leave out: what cleaning distrusts, and stops. */
const UNTRUSTED = new Set(['missing', 'out_of_range', 'stuck', 'shutdown', 'spike', 'inconsistent']);
const HOUR = 3_600_000;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Robust z of the recent median against the baseline: (median_r − median_b) / (1.4826 · MAD_b). */
function driftZ(recent: number[], baseline: number[]): number {
  recent.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  const mb = median(baseline);
  const mad = median(baseline.map((v) => Math.abs(v - mb)).sort((a, b) => a - b));
  // A floor on the spread: a perfectly steady baseline would make any change infinite.
  const spread = Math.max(1.4826 * mad, 1e-3 * Math.max(1, Math.abs(mb)));
  return (median(recent) - mb) / spread;
}

/** Runs of consecutive flagged instants (a stuck sensor, a stop): how many times it happened. */
function episodes(instants: readonly number[], gapMs: number): number {
  const sorted = [...new Set(instants)].sort((a, b) => a - b);
  let runs = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || (sorted[i] as number) - (sorted[i - 1] as number) > gapMs) runs++;
  return runs;
}

/**
 * The evidence about one machine at `asOfMs`: each signal over the recent window [asOf − recentHours, asOf)
 * against the baseline window before it. Pure: the live use-case and the evaluation feed it the same way.
 */
export function signalsOf(
  input: EvidenceInput,
  asOfMs: number,
  windows: MaintenanceRules['windows'],
  residuals?: MaintenanceRules['residuals'],
): Signals {
  const recentFrom = asOfMs - windows.recentHours * HOUR;
  const baselineFrom = recentFrom - windows.baselineDays * 24 * HOUR;
  const signals: Signals = {};

  const recent = new Map<string, number[]>();
  const baseline = new Map<string, number[]>();
  const stuck: number[] = [];
  const stops: number[] = [];
  let step = Infinity;
  let last = -Infinity;
  for (const r of input.readings) {
    if (r.tsMs >= asOfMs || r.tsMs < baselineFrom) continue;
    const isRecent = r.tsMs >= recentFrom;
    if (isRecent && r.flags.includes('stuck')) stuck.push(r.tsMs);
    if (isRecent && r.flags.includes('shutdown')) stops.push(r.tsMs);
    if (r.tsMs > last) {
      if (last > -Infinity) step = Math.min(step, r.tsMs - last);
      last = r.tsMs;
    }
    if (r.value === null || r.flags.some((f) => UNTRUSTED.has(f))) continue;
    const into = isRecent ? recent : baseline;
    const list = into.get(r.metric);
    if (list) list.push(r.value);
    else into.set(r.metric, [r.value]);
  }
  let maxAbs: number | null = null;
  for (const [metric, values] of recent) {
    const base = baseline.get(metric) ?? [];
    const z = base.length >= windows.minBaselineValues && values.length >= 10 ? driftZ(values, base) : null;
    signals[`drift_z.${metric}`] = z;
    if (z !== null) maxAbs = Math.max(maxAbs ?? 0, Math.abs(z));
  }
  signals.drift_abs_z_max = maxAbs;
  for (const model of residuals?.models ?? []) {
    const span = { baselineFrom, recentFrom, asOf: asOfMs, minBaseline: windows.minBaselineValues };
    const r = residualSignals(input.readings, model, span, residuals as NonNullable<typeof residuals>);
    signals[`residual_z.${model.metric}`] = r.z;
    signals[`residual_cusum.${model.metric}`] = r.cusum;
  }
  // Two missing readings in a row still count as one episode.
  const gap = Number.isFinite(step) ? 3 * step : HOUR;
  signals.stuck_episodes = episodes(stuck, gap);
  signals.shutdown_episodes = episodes(stops, gap);

  let scoredRecent = 0;
  let anomaliesRecent = 0;
  let scoredBase = 0;
  let anomaliesBase = 0;
  for (const s of input.scores) {
    if (s.tsMs >= asOfMs || s.tsMs < baselineFrom) continue;
    if (s.tsMs >= recentFrom) {
      scoredRecent++;
      if (s.isAnomaly) anomaliesRecent++;
    } else {
      scoredBase++;
      if (s.isAnomaly) anomaliesBase++;
    }
  }
  const rateRecent = scoredRecent >= 50 ? anomaliesRecent / scoredRecent : null;
  const rateBase = scoredBase >= 50 ? anomaliesBase / scoredBase : null;
  signals.anomaly_rate_recent = rateRecent;
  signals.anomaly_rate_baseline = rateBase;
  // The 1e-3 floor keeps one anomaly after a clean week from reading as an infinite rise.
  signals.anomaly_ratio = rateRecent !== null && rateBase !== null ? (rateRecent + 1e-3) / (rateBase + 1e-3) : null;

  const open = input.incidents.filter(
    (i) => Date.parse(i.opened_at) <= asOfMs && (i.resolved_at === null || Date.parse(i.resolved_at) > asOfMs),
  );
  signals.open_incidents = open.length;
  signals.open_critical_incidents = open.filter((i) => i.severity === 'critical').length;

  const pairs = input.forecastPairs;
  const scale = pairs.reduce((s, p) => s + Math.abs(p.p50), 0);
  signals.forecast_bias_abs =
    pairs.length >= 12 && scale > 0 ? Math.abs(pairs.reduce((s, p) => s + p.value - p.p50, 0)) / scale : null;
  return signals;
}
