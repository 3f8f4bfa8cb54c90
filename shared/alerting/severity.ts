import type { IncidentRow } from '../warehouse/schema/tables.js';

export type Severity = IncidentRow['severity'];

export interface SeverityInputs {
  /** Highest anomaly score of the episode, in [0, 1]. */
  readonly peakScore: number;
  readonly durationMs: number;
  /** Metrics of the device with an incident open at once (1 for a lone one); for a storm, its metrics. */
  readonly metrics: number;
  /** Devices involved (1 unless a storm). */
  readonly devices: number;
}

const MINUTE = 60_000;

/**
 * Points for how unlikely, how long and how wide: one point for an unlikely value (score ≥ 0.9, the score
 * function's critical level: tail ≤ 1e-9 or outside anything seen), two for 0.99; one for lasting 30 min,
 * two for 2 h; one for two metrics of a device at once, two for three; one for a storm, two from ten devices.
 * 0 points: info (a brief, borderline episode), 1–2: warning, 3 and more: critical.
 */
export function severityOf(s: SeverityInputs): Severity {
  const points =
    (s.peakScore >= 0.99 ? 2 : s.peakScore >= 0.9 ? 1 : 0) +
    (s.durationMs >= 120 * MINUTE ? 2 : s.durationMs >= 30 * MINUTE ? 1 : 0) +
    (s.metrics >= 3 ? 2 : s.metrics >= 2 ? 1 : 0) +
    (s.devices >= 10 ? 2 : s.devices >= 2 ? 1 : 0);
  return points >= 3 ? 'critical' : points >= 1 ? 'warning' : 'info';
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function isHigher(a: Severity, b: Severity): boolean {
  return RANK[a] > RANK[b];
}
