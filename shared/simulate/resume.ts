import type { Config } from '../config/env.js';
import { localRouterEndpoint, openWarehouse } from '../runtime/adapters.js';
import type { Warehouse } from '../warehouse/port.js';

export const LOCAL_LATEST_PATH = '/_local/latest-reading';

/** Epoch ms of the latest stored reading of any of these devices, or undefined when none has one. */
export async function latestReadingMs(warehouse: Warehouse, deviceIds: readonly string[]): Promise<number | undefined> {
  const latest = await Promise.all(
    deviceIds.map(async (id) => (await warehouse.recentReadings(id, 1)).map((r) => Date.parse(r.ts))),
  );
  const all = latest.flat();
  return all.length === 0 ? undefined : Math.max(...all);
}

/**
 * The same figure from wherever the warehouse is: a running `npm start` owns the DuckDB file (one writer), so it
 * is asked over HTTP; otherwise the warehouse is opened (DuckDB file or BigQuery).
 */
export async function storedLatestMs(config: Config, deviceIds: readonly string[]): Promise<number | undefined> {
  if (config.KILOWATCH_BACKEND === 'local') {
    const query = deviceIds.map((id) => `device=${encodeURIComponent(id)}`).join('&');
    const running = await fetch(`http://${localRouterEndpoint(config)}${LOCAL_LATEST_PATH}?${query}`).catch(
      () => undefined,
    );
    if (running?.ok) return ((await running.json()) as { latestMs: number | null }).latestMs ?? undefined;
  }
  const warehouse = await openWarehouse(config);
  try {
    return await latestReadingMs(warehouse, deviceIds);
  } finally {
    await warehouse.close();
  }
}

/**
 * Where a simulation that continues the stored data starts: the grid step after the latest stored reading, so a
 * rerun publishes only what is missing; without stored data, `durationS` before now.
 */
export function continuationStartMs(
  latestMs: number | undefined,
  durationS: number,
  intervalS: number,
  nowMs = Date.now(),
): number {
  const intervalMs = intervalS * 1000;
  if (latestMs === undefined) return Math.floor((nowMs - durationS * 1000) / intervalMs) * intervalMs;
  return (Math.floor(latestMs / intervalMs) + 1) * intervalMs;
}
