import type { ApiOptions } from '../api/app.js';
import { idTokenAuthorization } from '../api/copilot-id-token.js';
import { incidentDesk } from '../alerting/desk.js';
import { incidentReads } from '../alerting/open-reads.js';
import type { Bus } from '../bus/port.js';
import { DeadLetterFile } from '../bus/dead-letter-sink.js';
import type { Config } from '../config/env.js';
import { DeviceRegistry } from '../devices/registry.js';
import { estimatorOf } from '../estimate/estimate.js';
import { championModel, committedModels, openRegistry } from '../models/resolve.js';
import type { QueryDeps } from '../query/deps.js';
import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import type { Warehouse } from '../warehouse/port.js';
import { cachedReader, type TablesVersion } from '../warehouse/cached-reader.js';
import type { WarehouseReader } from '../warehouse/read-port.js';
import { deadLetterPath, openBus, openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

export interface ApiRuntime {
  readonly deps: QueryDeps;
  readonly options: ApiOptions;
}

/**
 * What the read caches key on: locally the count of committed writes to the tables a query reads; in the cloud
 * other instances write BigQuery, so answers are kept for a time slot, not until a write this process sees.
 */
async function tablesVersion(config: Config, warehouse: Warehouse): Promise<TablesVersion> {
  if (config.KILOWATCH_BACKEND === 'gcp') {
    const slotMs = config.KILOWATCH_API_CACHE_TTL_S * 1000;
    return () => Math.floor(Date.now() / slotMs);
  }
  const embedded = await embeddedWarehouse(warehouse);
  return (tables) => embedded.writeVersion(tables);
}

async function embeddedWarehouse(warehouse: Warehouse): Promise<DuckDbWarehouse> {
  const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
  if (!(warehouse instanceof DuckDbWarehouse))
    throw new Error('the local api reads the embedded warehouse: pass the DuckDbWarehouse itself');
  return warehouse;
}

/**
 * The read port next to the write port: locally a few more connections on the same DuckDB instance (one
 * process owns the file: the local host passes its own warehouse), BigQuery with byte and time limits in the cloud.
 */
async function openReader(config: Config, warehouse: Warehouse): Promise<WarehouseReader> {
  if (config.KILOWATCH_BACKEND === 'gcp') {
    const { bigQueryReader } = await import('../warehouse/bigquery-reader.js');
    return bigQueryReader({
      projectId: config.GOOGLE_CLOUD_PROJECT as string,
      dataset: config.KILOWATCH_BQ_DATASET,
      location: config.KILOWATCH_BQ_LOCATION,
      apiEndpoint: config.BIGQUERY_API_ENDPOINT,
      maximumBytesBilled: config.KILOWATCH_API_MAX_BYTES_BILLED,
      timeoutMs: config.KILOWATCH_API_QUERY_TIMEOUT_MS,
    });
  }
  const { duckDbReader } = await import('../warehouse/duckdb-reader.js');
  return duckDbReader(await embeddedWarehouse(warehouse));
}

/** `bus`: the host's, locally (its router listens on a port of its choosing); else Pub/Sub, opened on the first command. */
export async function createApiRuntime(config: Config, warehouse?: Warehouse, bus?: Bus): Promise<ApiRuntime> {
  // In the cloud its selects (the incidents') carry the same byte and time bounds as the read port's.
  const wh =
    warehouse ??
    (await openWarehouse(config, {
      maximumBytesBilled: config.KILOWATCH_API_MAX_BYTES_BILLED,
      timeoutMs: config.KILOWATCH_API_QUERY_TIMEOUT_MS,
    }));
  const deadLetters = config.KILOWATCH_BACKEND === 'local' ? new DeadLetterFile(deadLetterPath(config)) : undefined;
  const reader = await openReader(config, wh);
  const version = config.KILOWATCH_API_CACHE ? await tablesVersion(config, wh) : undefined;
  const deps: QueryDeps = {
    reader: version ? cachedReader(reader, { version }) : reader,
    warehouse: wh,
    devices: DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE),
    models: {
      registered: async () => (await openRegistry(config)).list(),
      committed: () => committedModels(config),
    },
    estimator: async (name) => estimatorOf(await (await championModel(name, config)).get()),
    deadLetters: () => Promise.resolve(deadLetters ? deadLetters.count() : null),
    incidents: incidentDesk(
      () => incidentReads(wh),
      () => (bus ? Promise.resolve(bus) : openBus(config)),
    ),
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
    ...(version ? { responseCache: { version } } : {}),
  };
  return { deps, options };
}

const runtime = perProcess((config) => createApiRuntime(config));

/** The api function's dependencies in this process. */
export const apiRuntime = (): Promise<ApiRuntime> => runtime.get();
export const provideApiRuntime = (value: ApiRuntime | Promise<ApiRuntime>): void => {
  runtime.provide(value);
};
