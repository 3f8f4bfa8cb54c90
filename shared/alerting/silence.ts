import { stableId } from '../readings/ids.js';
import type { Anomaly } from './incident-book.js';
import type { LastReading } from './reads.js';
import type { AlertSettings } from './settings.js';

/** The kind of a data outage's incidents: a device that stopped sending readings. */
export const SILENT_KIND = 'silent';

type SilenceSettings = Pick<AlertSettings, 'silentAfterMs' | 'silentLookbackMs'>;

/** Whether a device last heard from at `lastMs` is silent at `nowMs`; one silent past the lookback is no longer watched. */
export function isSilent(lastMs: number, nowMs: number, s: SilenceSettings): boolean {
  const quiet = nowMs - lastMs;
  return s.silentAfterMs > 0 && quiet >= s.silentAfterMs && quiet < s.silentLookbackMs;
}

/**
 * Whether an open data outage still holds: only a reading newer than the threshold ends it. A device no longer
 * in the lookback (`lastMs` undefined) has been silent even longer, so its incident stays open.
 */
export function stillSilent(lastMs: number | undefined, nowMs: number, s: SilenceSettings): boolean {
  return lastMs === undefined || nowMs - lastMs >= s.silentAfterMs;
}

/**
 * One `silent` anomaly per silent device, dated at its newest reading: devices that went quiet together open
 * their incidents together (one storm), and a repeat on the next sweep carries the same alert id (dropped).
 */
export function silentAnomalies(last: readonly LastReading[], nowMs: number, s: SilenceSettings): Anomaly[] {
  return last
    .filter((d) => isSilent(d.tsMs, nowMs, s))
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
