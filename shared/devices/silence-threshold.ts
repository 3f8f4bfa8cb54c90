/** Intervals a device may miss before it counts as silent: one late reading is not an outage. */
export const MISSED_INTERVALS = 3;

/**
 * How long a device may stay quiet: `floorMs`, or three of its own reporting intervals where that is longer, so a
 * meter that reports every 15 minutes is not silent between two readings.
 */
export function silentAfterMs(intervalSeconds: number | undefined, floorMs: number): number {
  return Math.max(floorMs, MISSED_INTERVALS * (intervalSeconds ?? 0) * 1000);
}
