import { stableId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import type { AlertRow } from '../warehouse/schema/tables.js';
import type { CleanReading } from './clean-message.js';

/** Kind of the alert a machine's stop raises. */
export const STOP_KIND = 'shutdown';

/** Whether the device's stored instant just before `beforeTs` was a stop (false when there is none). */
export type WasStopped = (deviceId: string, metrics: readonly string[], beforeTs: string) => Promise<boolean>;

const stopped = (r: CleanReading) => r.flags.includes('shutdown');

/**
 * One alert per stop of a machine: ingest flags every metric of an instant `shutdown` when the machine is off,
 * and those values are never scored, so without this a stop (or a whole plant's) would raise nothing. The alert
 * is for the first stopped instant after a running one; the instant before the message's first is read back
 * only when that first one is stopped. Deterministic ids: a redelivery raises nothing new.
 */
export async function stopAlerts(
  readings: readonly CleanReading[],
  wasStopped: WasStopped,
  createdAt: string,
): Promise<AlertRow[]> {
  const byDevice = new Map<string, Map<string, boolean>>();
  const metrics = new Map<string, Set<string>>();
  for (const r of readings) {
    const instants = byDevice.get(r.deviceId) ?? new Map<string, boolean>();
    byDevice.set(r.deviceId, instants);
    instants.set(r.ts, (instants.get(r.ts) ?? false) || stopped(r));
    metrics.set(r.deviceId, (metrics.get(r.deviceId) ?? new Set<string>()).add(r.metric));
  }
  const rows: AlertRow[] = [];
  for (const [deviceId, instants] of byDevice) {
    if (![...instants.values()].some(Boolean)) continue;
    const ordered = [...instants].sort(([a], [b]) => Date.parse(a) - Date.parse(b));
    const [firstTs, firstStopped] = ordered[0] as [string, boolean];
    let before = firstStopped && (await wasStopped(deviceId, [...(metrics.get(deviceId) ?? [])], firstTs));
    for (const [ts, isStopped] of ordered) {
      if (isStopped && !before) rows.push(stopAlert(deviceId, ts, createdAt));
      before = isStopped;
    }
  }
  return rows;
}

function stopAlert(deviceId: string, ts: string, createdAt: string): AlertRow {
  return {
    alert_id: stableId('alert', STOP_KIND, deviceId, ts),
    device_id: deviceId,
    ts,
    metric: null,
    kind: STOP_KIND,
    severity: 'warning',
    message: `${deviceId} stopped at ${ts}: every metric at zero (shutdown)`,
    score: null,
    created_at: createdAt,
  };
}

/** How far back a stop is looked for: an older last instant (a data outage) counts as running. */
const LOOKBACK_MS = 3_600_000;

/** WasStopped from the device's stored readings. */
export function storedStop(warehouse: Pick<Warehouse, 'readingsBetween'>): WasStopped {
  return async (deviceId, metrics, beforeTs) => {
    const from = new Date(Date.parse(beforeTs) - LOOKBACK_MS).toISOString();
    const rows = await warehouse.readingsBetween(deviceId, metrics, from, beforeTs);
    const last = rows.at(-1)?.ts;
    return last !== undefined && rows.some((r) => r.ts === last && r.flags.includes('shutdown'));
  };
}
