import type { FaultType } from '../../simulate/faults.js';
import type { FaultEpisode } from './episodes.js';

/** An alert as the evaluation sees it: an incident (or, for the baseline, one raw alerts row). */
export interface RaisedAlert {
  readonly openedMs: number;
  /** Devices and metrics it concerns (a storm names several devices). */
  readonly devices: readonly string[];
  readonly metrics: readonly string[];
}

export interface QualityOptions {
  /** Faults the anomaly detectors are meant to catch (the others are flagged by cleaning, or single values). */
  readonly targets: readonly FaultType[];
  /** An alert opened this long before an episode's first labelled value still belongs to it (labels start at a threshold). */
  readonly leadMs: number;
  /** ... or this long after its last one (the episode's tail, the normal stretch). */
  readonly graceMs: number;
  readonly machineDays: number;
}

export interface TargetQuality {
  readonly episodes: number;
  readonly detected: number;
  /** Alerts per detected episode: mean and worst. */
  readonly alertsPerEpisode: number;
  readonly maxAlertsPerEpisode: number;
  /** Minutes from the episode's first labelled value to its first alert, over detected episodes. */
  readonly onsetToAlertMinMedian: number | null;
  readonly onsetToAlertMinP90: number | null;
}

export interface AlertQuality {
  readonly alerts: number;
  readonly byFault: Partial<Record<FaultType, TargetQuality>>;
  /** Alerts explained by a labelled fault the detectors are not meant for (a spike, a restart after a shutdown, ...). */
  readonly explainedByOtherFaults: number;
  /** Alerts no labelled fault explains, per machine-day. */
  readonly falseAlerts: number;
  readonly falseAlertsPerMachineDay: number;
}

function concerns(alert: RaisedAlert, e: FaultEpisode): boolean {
  if (!alert.devices.includes(e.deviceId)) return false;
  // A shutdown stops every metric; a storm speaks for all of its devices' metrics.
  return e.fault === 'shutdown' || alert.metrics.length === 0 || alert.metrics.some((m) => e.metrics.has(m));
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * Each alert goes to the labelled episode it concerns that was under way when it opened (target faults
 * first, then the earliest); alerts no episode explains are false. Episodes before their series could be
 * scored (the detector's learning rows) are left out by the caller.
 */
export function alertQuality(
  alerts: readonly RaisedAlert[],
  episodes: readonly FaultEpisode[],
  o: QualityOptions,
): AlertQuality {
  const hits = new Map<FaultEpisode, number[]>();
  let other = 0;
  let falseAlerts = 0;
  const rank = (e: FaultEpisode) => (o.targets.includes(e.fault) ? 0 : 1);
  for (const alert of alerts) {
    const owner = episodes
      .filter(
        (e) => alert.openedMs >= e.startMs - o.leadMs && alert.openedMs <= e.endMs + o.graceMs && concerns(alert, e),
      )
      .sort((a, b) => rank(a) - rank(b) || a.startMs - b.startMs)[0];
    if (!owner) falseAlerts++;
    else if (!o.targets.includes(owner.fault)) other++;
    else hits.set(owner, [...(hits.get(owner) ?? []), alert.openedMs]);
  }
  const byFault: Partial<Record<FaultType, TargetQuality>> = {};
  for (const fault of o.targets) {
    const mine = episodes.filter((e) => e.fault === fault);
    const detected = mine.filter((e) => hits.has(e));
    const counts = detected.map((e) => (hits.get(e) as number[]).length);
    const delays = detected
      .map((e) => Math.max(0, Math.min(...(hits.get(e) as number[])) - e.startMs) / 60_000)
      .sort((a, b) => a - b);
    byFault[fault] = {
      episodes: mine.length,
      detected: detected.length,
      alertsPerEpisode: counts.length === 0 ? 0 : counts.reduce((s, c) => s + c, 0) / counts.length,
      maxAlertsPerEpisode: Math.max(0, ...counts),
      onsetToAlertMinMedian: quantile(delays, 0.5),
      onsetToAlertMinP90: quantile(delays, 0.9),
    };
  }
  return {
    alerts: alerts.length,
    byFault,
    explainedByOtherFaults: other,
    falseAlerts,
    falseAlertsPerMachineDay: falseAlerts / o.machineDays,
  };
}
