import type { Config } from '../config/env.js';
import { localRouterEndpoint } from '../runtime/adapters.js';
import type { ModelHealthRow } from '../warehouse/schema/tables.js';
import { watchDrift, type DriftDeps, type DriftOptions } from './watch.js';

export const LOCAL_DRIFT_PATH = '/_local/drift';

/** The local host's drift watch: `?model=&asOf=&windowDays=&store=1`. */
export function driftFromQuery(deps: DriftDeps, query: URLSearchParams): Promise<ModelHealthRow[]> {
  const model = query.get('model');
  const asOf = query.get('asOf');
  const windowDays = query.get('windowDays');
  return watchDrift(deps, {
    ...(model ? { model } : {}),
    ...(asOf ? { asOf } : {}),
    ...(windowDays ? { windowDays: Number(windowDays) } : {}),
    store: query.get('store') === '1',
  });
}

/** Drift watch on demand: through a running `npm start` (it owns the DuckDB file) when there is one, else with `open`. */
export async function driftOnDemand(
  config: Config,
  options: DriftOptions,
  open: () => Promise<{ deps: DriftDeps; close: () => Promise<void> }>,
): Promise<ModelHealthRow[]> {
  if (config.KILOWATCH_BACKEND === 'local') {
    const query = new URLSearchParams({
      ...(options.model ? { model: options.model } : {}),
      ...(options.asOf ? { asOf: options.asOf } : {}),
      ...(options.windowDays ? { windowDays: String(options.windowDays) } : {}),
      store: options.store ? '1' : '0',
    });
    const running = await fetch(`http://${localRouterEndpoint(config)}${LOCAL_DRIFT_PATH}?${query.toString()}`).catch(
      () => undefined,
    );
    if (running?.ok) return (await running.json()) as ModelHealthRow[];
    if (running) throw new Error(`the running host answered ${running.status}: ${await running.text()}`);
  }
  const { deps, close } = await open();
  try {
    return await watchDrift(deps, options);
  } finally {
    await close();
  }
}
