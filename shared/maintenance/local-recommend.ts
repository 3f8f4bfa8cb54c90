import type { Config } from '../config/env.js';
import { localRouterEndpoint } from '../runtime/adapters.js';
import type { RecommendationRow } from '../warehouse/schema/tables.js';
import { recommendMachines, type RecommendDeps, type RecommendOptions } from './recommend-machines.js';

export const LOCAL_RECOMMEND_PATH = '/_local/recommend';

/** The local host's on-demand recommendations: `?device=&asOf=&store=1`. */
export function recommendFromQuery(deps: RecommendDeps, query: URLSearchParams): Promise<RecommendationRow[]> {
  const device = query.get('device');
  const asOf = query.get('asOf');
  return recommendMachines(deps, {
    ...(device ? { deviceId: device } : {}),
    ...(asOf ? { asOf } : {}),
    store: query.get('store') === '1',
  });
}

/**
 * On-demand recommendations: from a running `npm start` (it owns the DuckDB file) when there is one, else
 * with `open` (the warehouse opened here: the file, or BigQuery).
 */
export async function recommendOnDemand(
  config: Config,
  options: RecommendOptions,
  open: () => Promise<{ deps: RecommendDeps; close: () => Promise<void> }>,
): Promise<RecommendationRow[]> {
  if (config.KILOWATCH_BACKEND === 'local') {
    const query = new URLSearchParams({
      ...(options.deviceId ? { device: options.deviceId } : {}),
      ...(options.asOf ? { asOf: options.asOf } : {}),
      store: options.store ? '1' : '0',
    });
    const running = await fetch(
      `http://${localRouterEndpoint(config)}${LOCAL_RECOMMEND_PATH}?${query.toString()}`,
    ).catch(() => undefined);
    if (running?.ok) return (await running.json()) as RecommendationRow[];
    if (running) throw new Error(`the running host answered ${running.status}: ${await running.text()}`);
  }
  const { deps, close } = await open();
  try {
    return await recommendMachines(deps, options);
  } finally {
    await close();
  }
}
