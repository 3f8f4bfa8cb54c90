import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter } from '../../shared/bus/local-router.js';
import { ORDERED_TOPICS, topicName, type Config, type FunctionName, type TopicRole } from '../../shared/config/env.js';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { seedDevices } from '../../shared/devices/seed-devices.js';
import type { IngestDeps } from '../../shared/ingest/ingest-message.js';
import type { Warehouse } from '../../shared/warehouse/port.js';
import { deadLetterPath, LOCAL_PROJECT } from '../../shared/runtime/adapters.js';
import { createIngestDeps, provideIngestRuntime } from '../../shared/runtime/ingest-runtime.js';
import { createApiRuntime, provideApiRuntime } from '../../shared/runtime/api-runtime.js';
import { createCopilotRuntime, provideCopilotRuntime } from '../../shared/runtime/copilot-runtime.js';
import { createForecastDeps, provideForecastRuntime } from '../../shared/runtime/forecast-runtime.js';
import { createScoreDeps, provideScoreRuntime } from '../../shared/runtime/score-runtime.js';
import type { ScoreDeps } from '../../shared/scoring/score-readings.js';
import { LOCAL_STATS_PATH, statsOf } from '../../shared/stats/warehouse-stats.js';

export interface LocalStack {
  readonly config: Config;
  readonly router: LocalPushRouter;
  readonly routerPort: number;
  readonly ingestUrl: string;
  readonly scoreUrl: string;
  readonly forecastUrl: string;
  /** The api function: /v1, /openapi.json, /docs and the dashboard at /. */
  readonly apiUrl: string;
  /** The copilot function: POST /v1/ask and /v1/sql (8085). */
  readonly copilotUrl: string;
  readonly deps: IngestDeps;
  /** The score function's dependencies: the same warehouse and bus, its own series states. */
  readonly scoreDeps: ScoreDeps;
  /** The embedded warehouse itself (deps.warehouse may be wrapped by a test). */
  readonly warehouse: Warehouse;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  /** Ports; 0 picks free ones (tests). Defaults: the router on KILOWATCH_LOCAL_PORT, functions after it. */
  readonly routerPort?: number;
  readonly functionsPort?: number;
  readonly maxAttempts?: number;
  readonly minBackoffMs?: number;
  /** Functions whose subscriptions the router pushes to (default: all); a benchmark of ingest alone names one. */
  readonly subscribe?: ReadonlyArray<FunctionName>;
  /** Lets tests put a faulty warehouse between the functions and DuckDB, to see retries at work. */
  readonly wrapWarehouse?: (warehouse: Warehouse) => Warehouse;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The functions the host serves, the topic each is pushed from, in the order they take ports. */
const PUSHED_FUNCTIONS = [
  { name: 'ingest', topic: 'readings', subscription: 'readings-ingest' },
  { name: 'score', topic: 'readingsClean', subscription: 'readings-clean-score' },
  { name: 'forecast', topic: 'forecastTick', subscription: 'forecast-tick-forecast' },
] as const satisfies ReadonlyArray<{ name: FunctionName; topic: TopicRole; subscription: string }>;

/**
 * Everything `npm start` runs, in one process (DuckDB allows one writer per file): the local push router
 * standing in for Pub/Sub, and each function under the functions framework, served over real HTTP:
 * readings → ingest → readings-clean → score; forecast-tick → forecast; and the api function, which reads the
 * warehouse on its own connections to the same DuckDB instance (it listens after the pushed functions: 8084).
 */
export async function startLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  await Promise.all([import('../ingest/index.js'), import('../score/index.js'), import('../forecast/index.js'), import('../api/index.js'), import('../copilot/index.js')]);
  const firstPort = options.functionsPort ?? config.KILOWATCH_LOCAL_PORT + 1;
  const servers: Server[] = [];
  const urls = {} as Record<(typeof PUSHED_FUNCTIONS)[number]['name'], string>;
  for (const [i, fn] of PUSHED_FUNCTIONS.entries()) {
    const server = getTestServer(fn.name);
    servers.push(server);
    urls[fn.name] = `http://127.0.0.1:${await listen(server, firstPort === 0 ? 0 : firstPort + i)}/`;
  }
  const retry = { maxAttempts: options.maxAttempts ?? 5, minBackoffMs: options.minBackoffMs ?? 200, maxBackoffMs: 10_000, concurrency: 8 };

  let deps: IngestDeps | undefined;
  const router = new LocalPushRouter({
    project: LOCAL_PROJECT,
    deadLetterTopic: topicName(config, 'deadLetter'),
    deadLetters: new DeadLetterFile(deadLetterPath(config)),
    subscriptions: PUSHED_FUNCTIONS.filter((fn) => !options.subscribe || options.subscribe.includes(fn.name)).map((fn) => ({
      name: fn.subscription,
      topic: topicName(config, fn.topic),
      endpoint: urls[fn.name],
      ordered: ORDERED_TOPICS.includes(fn.topic),
      ...retry,
    })),
    routes: { [LOCAL_STATS_PATH]: () => statsOf(config, (deps as IngestDeps).warehouse) },
  });
  const routerPort = await router.listen(options.routerPort ?? config.KILOWATCH_LOCAL_PORT);

  // The functions publish through the Pub/Sub client library to the router's REST API, as in the cloud.
  const built = await createIngestDeps({ ...config, PUBSUB_API_ENDPOINT: config.PUBSUB_API_ENDPOINT ?? `127.0.0.1:${routerPort}` });
  deps = options.wrapWarehouse ? { ...built, warehouse: options.wrapWarehouse(built.warehouse) } : built;
  provideIngestRuntime(deps);
  await seedDevices(built.warehouse, DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE));
  const ready = deps;
  // Scoring and forecasting use the real warehouse: a test's faulty wrapper targets ingest's retries only.
  const scoreDeps = await createScoreDeps(config, { warehouse: built.warehouse, bus: ready.bus });
  provideScoreRuntime(scoreDeps);
  provideForecastRuntime(await createForecastDeps(config, built.warehouse));
  // The api reads the same DuckDB instance on connections of its own (one process owns the file).
  provideApiRuntime(await createApiRuntime(config, built.warehouse));
  const apiServer = getTestServer('api');
  servers.push(apiServer);
  const apiPort = await listen(apiServer, firstPort === 0 ? 0 : firstPort + PUSHED_FUNCTIONS.length);
  // The copilot too: its guarded SQL gets a locked read-only connection of the instance on first use.
  provideCopilotRuntime(await createCopilotRuntime(config, { warehouse: built.warehouse }));
  const copilotServer = getTestServer('copilot');
  servers.push(copilotServer);
  const copilotPort = await listen(copilotServer, firstPort === 0 ? 0 : firstPort + PUSHED_FUNCTIONS.length + 1);

  return {
    config,
    router,
    routerPort,
    ingestUrl: urls.ingest,
    scoreUrl: urls.score,
    forecastUrl: urls.forecast,
    apiUrl: `http://127.0.0.1:${apiPort}/`,
    copilotUrl: `http://127.0.0.1:${copilotPort}/`,
    deps: ready,
    scoreDeps,
    warehouse: built.warehouse,
    async close() {
      await router.close();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      await ready.bus.close();
      await built.warehouse.close();
    },
  };
}
