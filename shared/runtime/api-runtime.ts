import type { ApiOptions } from '../api/app.js';
import { idTokenAuthorization } from '../api/copilot-id-token.js';
import { DeadLetterFile } from '../bus/dead-letter-sink.js';
import type { Config } from '../config/env.js';
import { DeviceRegistry } from '../devices/registry.js';
import { estimatorOf } from '../estimate/estimate.js';
import { championModel, committedModels, openRegistry } from '../models/resolve.js';
import type { QueryDeps } from '../query/deps.js';
import type { Warehouse } from '../warehouse/port.js';
import { cachedReader } from '../warehouse/cached-reader.js';
import type { WarehouseReader } from '../warehouse/read-port.js';
import { deadLetterPath, openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

export interface ApiRuntime {
  readonly deps: QueryDeps;
  readonly options: ApiOptions;
}

/**
 * The read port next to the write port: locally a few more connections on the same DuckDB instance (one
 * process owns the file: the local host passes its own warehouse), BigQuery with byte and time limits in the cloud.
 */
async function openReader(config: Config, warehouse: Warehouse): Promise<WarehouseReader> {
  const cached = (reader: WarehouseReader, version: () => number) =>
    config.KILOWATCH_API_CACHE ? cachedReader(reader, { version }) : reader;
  if (config.KILOWATCH_BACKEND === 'gcp') {
    const { bigQueryReader } = await import('../warehouse/bigquery-reader.js');
    const slotMs = config.KILOWATCH_API_CACHE_TTL_S * 1000;
    // Other instances write BigQuery: answers are kept for a time slot, not until a write this process sees.
    return cached(
      bigQueryReader({
        projectId: config.GOOGLE_CLOUD_PROJECT as string,
        dataset: config.KILOWATCH_BQ_DATASET,
        location: config.KILOWATCH_BQ_LOCATION,
        apiEndpoint: config.BIGQUERY_API_ENDPOINT,
        maximumBytesBilled: config.KILOWATCH_API_MAX_BYTES_BILLED,
        timeoutMs: config.KILOWATCH_API_QUERY_TIMEOUT_MS,
      }),
      () => Math.floor(Date.now() / slotMs),
    );
  }
  const [{ DuckDbWarehouse }, { duckDbReader }] = await Promise.all([
    import('../warehouse/duckdb.js'),
    import('../warehouse/duckdb-reader.js'),
  ]);
  if (!(warehouse instanceof DuckDbWarehouse))
    throw new Error('the local api reads the embedded warehouse: pass the DuckDbWarehouse itself');
  return cached(await duckDbReader(warehouse), () => warehouse.writeVersion);
}

export async function createApiRuntime(config: Config, warehouse?: Warehouse): Promise<ApiRuntime> {
  const wh = warehouse ?? (await openWarehouse(config));
  const deadLetters = config.KILOWATCH_BACKEND === 'local' ? new DeadLetterFile(deadLetterPath(config)) : undefined;
  const deps: QueryDeps = {
    reader: await openReader(config, wh),
    warehouse: wh,
    devices: DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE),
    models: {
      registered: async () => (await openRegistry(config)).list(),
      committed: () => committedModels(config),
    },
    estimator: async (name) => estimatorOf(await (await championModel(name, config)).get()),
    deadLetters: () => Promise.resolve(deadLetters ? deadLetters.count() : null),
    now: Date.now,
  };
  const options: ApiOptions = {
    rateLimit: { perSecond: config.KILOWATCH_API_RATE_PER_S, burst: config.KILOWATCH_API_BURST },
    maxBodyBytes: config.KILOWATCH_API_MAX_BODY_BYTES,
    trustIap: config.KILOWATCH_API_TRUST_IAP,
    dashboardDir: config.KILOWATCH_DASHBOARD_DIR,
    copilotUrl: config.KILOWATCH_COPILOT_URL,
    // In the cloud the copilot admits only callers with run.invoker: the api sends its own ID token.
    copilotAuthorization:
      config.KILOWATCH_BACKEND === 'gcp' && config.KILOWATCH_COPILOT_URL
        ? idTokenAuthorization(config.KILOWATCH_COPILOT_URL)
        : undefined,
  };
  return { deps, options };
}

const runtime = perProcess((config) => createApiRuntime(config));

/** The api function's dependencies in this process. */
export const apiRuntime = (): Promise<ApiRuntime> => runtime.get();
export const provideApiRuntime = (value: ApiRuntime | Promise<ApiRuntime>): void => {
  runtime.provide(value);
};
