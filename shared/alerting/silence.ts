import { silentAfterMs } from '../devices/silence-threshold.js';
import { stableId } from '../readings/ids.js';
import type { Anomaly } from './incident-book.js';
import type { LastReading } from './reads.js';
import type { AlertSettings } from './settings.js';

/** The kind of a data outage's incidents: a device that stopped sending readings. */
export const SILENT_KIND = 'silent';

/** When each device counts as silent. */
export interface SilenceRule {
  /** Quiet time after which the device is silent; 0: silence is not watched. */
  readonly afterMs: (deviceId: string) => number;
  /** Devices without a reading for this long are no longer watched. */
  readonly lookbackMs: number;
}

/** The configured minimum, or three of the device's own intervals where longer (unknown devices: the minimum). */
export function silenceRule(
  s: Pick<AlertSettings, 'silentAfterMs' | 'silentLookbackMs'>,
  intervalSecondsOf: (deviceId: string) => number | undefined,
): SilenceRule {
  return {
    afterMs: (deviceId) => (s.silentAfterMs > 0 ? silentAfterMs(intervalSecondsOf(deviceId), s.silentAfterMs) : 0),
    lookbackMs: s.silentLookbackMs,
  };
}

/** Whether a device last heard from at `lastMs` is silent at `nowMs`; one silent past the lookback is no longer watched. */
export function isSilent(deviceId: string, lastMs: number, nowMs: number, rule: SilenceRule): boolean {
  const quiet = nowMs - lastMs;
  const afterMs = rule.afterMs(deviceId);
  return afterMs > 0 && quiet >= afterMs && quiet < rule.lookbackMs;
}

/**
 * Whether an open data outage still holds: only a reading newer than the threshold ends it. A device no longer
 * in the lookback (`lastMs` undefined) has been silent even longer, so its incident stays open.
 */
export function stillSilent(deviceId: string, lastMs: number | undefined, nowMs: number, rule: SilenceRule): boolean {
  return lastMs === undefined || nowMs - lastMs >= rule.afterMs(deviceId);
}

/**
 * One `silent` anomaly per silent device, dated at its newest reading: devices that went quiet together open
 * their incidents together (one storm), and a repeat on the next sweep carries the same alert id (dropped).
 */
export function silentAnomalies(last: readonly LastReading[], nowMs: number, rule: SilenceRule): Anomaly[] {
  return last
    .filter((d) => isSilent(d.deviceId, d.tsMs, nowMs, rule))
    .sort((a, b) => a.deviceId.localeCompare(b.deviceId))
    .map((d) => {
      const ts = new Date(d.tsMs).toISOString();
      const minutes = Math.floor((nowMs - d.tsMs) / 60_000);
      return {
        alertId: stableId('silent', d.deviceId, ts),
        deviceId: d.deviceId,
        ts,
        metric: null,
        kind: SILENT_KIND,
        score: null,
        message: `${d.deviceId} sent no reading for ${minutes} min (last at ${ts})`,
      };
    });
}
