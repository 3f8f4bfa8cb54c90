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
import { createForecastDeps, provideForecastRuntime } from '../../shared/runtime/forecast-runtime.js';
import { createScoreDeps, provideScoreRuntime } from '../../shared/runtime/score-runtime.js';
import { createNotifyRuntime, provideNotifyRuntime } from '../../shared/runtime/notify-runtime.js';
import { createRecommendDeps, provideRecommendRuntime } from '../../shared/runtime/recommend-runtime.js';
import { LOCAL_RECOMMEND_PATH, recommendFromQuery } from '../../shared/maintenance/local-recommend.js';
import { driftFromQuery, LOCAL_DRIFT_PATH } from '../../shared/drift/local-drift.js';
import { createDriftDeps } from '../../shared/runtime/drift-runtime.js';
import type { ScoreDeps } from '../../shared/scoring/score-readings.js';
import type { RecommendDeps } from '../../shared/maintenance/recommend-machines.js';
import { LOCAL_STATS_PATH, statsOf } from '../../shared/stats/warehouse-stats.js';
import { incidentsOf, LOCAL_INCIDENTS_PATH, recentFilter } from '../../shared/alerting/incident-use-cases.js';

export interface LocalStack {
  readonly config: Config;
  readonly router: LocalPushRouter;
  readonly routerPort: number;
  readonly ingestUrl: string;
  readonly scoreUrl: string;
  readonly forecastUrl: string;
  readonly notifyUrl: string;
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
  /** How often the host asks the notify function to sweep (what Cloud Scheduler does every 5 minutes); 0: never (tests sweep themselves). */
  readonly alertsSweepMs?: number;
  /** Clock of the notify function (tests). */
  readonly now?: () => number;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The functions the host serves, the topic each is pushed from, and their port after the router's (8084 and 8085 are the api's and copilot's). */
const PUSHED_FUNCTIONS = [
  { name: 'ingest', topic: 'readings', subscription: 'readings-ingest', port: 0 },
  { name: 'score', topic: 'readingsClean', subscription: 'readings-clean-score', port: 1 },
  { name: 'forecast', topic: 'forecastTick', subscription: 'forecast-tick-forecast', port: 2 },
  { name: 'notify', topic: 'alerts', subscription: 'alerts-notify', port: 5 },
  { name: 'recommend', topic: 'maintenanceTick', subscription: 'maintenance-tick-recommend', port: 6 },
] as const satisfies ReadonlyArray<{ name: FunctionName; topic: TopicRole; subscription: string; port: number }>;

/** What the host publishes on the alerts topic every alertsSweepMs: Cloud Scheduler's sweep. */
export const SWEEP_COMMAND = JSON.stringify({ command: 'sweep' });

/**
 * Everything `npm start` runs, in one process (DuckDB allows one writer per file): the local push router
 * standing in for Pub/Sub, and each function under the functions framework, served over real HTTP:
 * readings → ingest → readings-clean → score; forecast-tick → forecast.
 */
export async function startLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  await Promise.all([import('../ingest/index.js'), import('../score/index.js'), import('../forecast/index.js'), import('../notify/index.js'), import('../recommend/index.js')]);
  const firstPort = options.functionsPort ?? config.KILOWATCH_LOCAL_PORT + 1;
  const servers: Server[] = [];
  const urls = {} as Record<(typeof PUSHED_FUNCTIONS)[number]['name'], string>;
  for (const fn of PUSHED_FUNCTIONS) {
    const server = getTestServer(fn.name);
    servers.push(server);
    urls[fn.name] = `http://127.0.0.1:${await listen(server, firstPort === 0 ? 0 : firstPort + fn.port)}/`;
  }
  const retry = { maxAttempts: options.maxAttempts ?? 5, minBackoffMs: options.minBackoffMs ?? 200, maxBackoffMs: 10_000, concurrency: 8 };

  let deps: IngestDeps | undefined;
  /** The embedded warehouse itself (deps.warehouse may be a test's wrapper). */
  let embedded: Warehouse | undefined;
  let readyRecommend: (deps: RecommendDeps) => void = () => undefined;
  const recommendDeps = new Promise<RecommendDeps>((resolve) => (readyRecommend = resolve));
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
    routes: {
      [LOCAL_STATS_PATH]: () => statsOf(config, (deps as IngestDeps).warehouse),
      [LOCAL_INCIDENTS_PATH]: () => incidentsOf(embedded as Warehouse, recentFilter()),
      [LOCAL_RECOMMEND_PATH]: async (query) => recommendFromQuery(await recommendDeps, query),
      [LOCAL_DRIFT_PATH]: async (query) => driftFromQuery(await createDriftDeps(config, embedded as Warehouse, (deps as IngestDeps).bus), query),
    },
  });
  const routerPort = await router.listen(options.routerPort ?? config.KILOWATCH_LOCAL_PORT);

  // The functions publish through the Pub/Sub client library to the router's REST API, as in the cloud.
  const built = await createIngestDeps({ ...config, PUBSUB_API_ENDPOINT: config.PUBSUB_API_ENDPOINT ?? `127.0.0.1:${routerPort}` });
  embedded = built.warehouse;
  deps = options.wrapWarehouse ? { ...built, warehouse: options.wrapWarehouse(built.warehouse) } : built;
  provideIngestRuntime(deps);
  await seedDevices(built.warehouse, DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE));
  const ready = deps;
  // Scoring and forecasting use the real warehouse: a test's faulty wrapper targets ingest's retries only.
  const scoreDeps = await createScoreDeps(config, { warehouse: built.warehouse, bus: ready.bus });
  provideScoreRuntime(scoreDeps);
  provideForecastRuntime(await createForecastDeps(config, built.warehouse));
  provideNotifyRuntime(await createNotifyRuntime(config, { warehouse: built.warehouse, bus: ready.bus, ...(options.now ? { now: options.now } : {}) }));
  const recommend = await createRecommendDeps(config, built.warehouse);
  provideRecommendRuntime({ recommend, drift: await createDriftDeps(config, built.warehouse, ready.bus) });
  readyRecommend(recommend);
  const sweepMs = options.alertsSweepMs ?? 30_000;
  const sweeper = sweepMs > 0 ? setInterval(() => router.publish('alerts', [{ data: Buffer.from(SWEEP_COMMAND) }]), sweepMs) : undefined;
  sweeper?.unref();

  return {
    config,
    router,
    routerPort,
    ingestUrl: urls.ingest,
    scoreUrl: urls.score,
    forecastUrl: urls.forecast,
    notifyUrl: urls.notify,
    deps: ready,
    scoreDeps,
    warehouse: built.warehouse,
    async close() {
      clearInterval(sweeper);
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
