import { DeadLetterFile } from '../bus/dead-letter-sink.js';
import type { Config } from '../config/env.js';
import { deadLetterPath, localRouterEndpoint, openWarehouse } from '../runtime/adapters.js';
import type { Warehouse } from '../warehouse/port.js';

export interface Stats {
  readonly backend: Config['KILOWATCH_BACKEND'];
  readonly tables: Record<string, number>;
  /** Messages in the dead-letter sink; null where the sink is a Pub/Sub subscription (see Cloud Monitoring). */
  readonly deadLetters: number | null;
}

export const LOCAL_STATS_PATH = '/_local/stats';

/** Counts from an open warehouse: what the local host serves while it owns the DuckDB file. */
export async function statsOf(config: Config, warehouse: Warehouse): Promise<Stats> {
  return {
    backend: config.KILOWATCH_BACKEND,
    tables: await warehouse.counts(),
    deadLetters: config.KILOWATCH_BACKEND === 'local' ? new DeadLetterFile(deadLetterPath(config)).count() : null,
  };
}

/**
 * Row counts of every table and of the dead-letter sink. Locally, a running `npm start` owns the
 * DuckDB file (one writer per file), so ask it; when none runs, open the file directly.
 */
export async function warehouseStats(config: Config): Promise<Stats> {
  if (config.KILOWATCH_BACKEND === 'local') {
    const running = await fetch(`http://${localRouterEndpoint(config)}${LOCAL_STATS_PATH}`).catch(() => undefined);
    if (running?.ok) return (await running.json()) as Stats;
  }
  const warehouse = await openWarehouse(config);
  try {
    return await statsOf(config, warehouse);
  } finally {
    await warehouse.close();
  }
}
