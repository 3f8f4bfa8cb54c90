import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createAdaptorServer } from '@hono/node-server';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter } from '../../shared/bus/local-router.js';
import {
  ORDERED_TOPICS,
  TOPICS,
  siteTopicName,
  topicName,
  type Config,
  type FunctionName,
  type TopicRole,
} from '../../shared/config/env.js';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { seedDevices } from '../../shared/devices/seed-devices.js';
import type { IngestDeps } from '../../shared/ingest/ingest-message.js';
import type { Warehouse } from '../../shared/warehouse/port.js';
import { deadLetterPath, LOCAL_PROJECT, routerJournalDir } from '../../shared/runtime/adapters.js';
import { createIngestDeps, provideIngestRuntime } from '../../shared/runtime/ingest-runtime.js';
import { createApiRuntime, provideApiRuntime } from '../../shared/runtime/api-runtime.js';
import { createCopilotRuntime, provideCopilotRuntime } from '../../shared/runtime/copilot-runtime.js';
import { createForecastDeps, provideForecastRuntime } from '../../shared/runtime/forecast-runtime.js';
import { createScoreDeps, provideScoreRuntime } from '../../shared/runtime/score-runtime.js';
import type { ScoreDeps } from '../../shared/scoring/score-readings.js';
import { LOCAL_STATS_PATH, statsOf } from '../../shared/stats/warehouse-stats.js';
import { latestReadingMs, LOCAL_LATEST_PATH } from '../../shared/simulate/resume.js';
import { incidentsOf, LOCAL_INCIDENTS_PATH, recentFilter } from '../../shared/alerting/incident-use-cases.js';
import { driftFromQuery, LOCAL_DRIFT_PATH } from '../../shared/drift/local-drift.js';
import { LOCAL_RECOMMEND_PATH, recommendFromQuery } from '../../shared/maintenance/local-recommend.js';
import { createDriftDeps } from '../../shared/runtime/drift-runtime.js';
import { createNotifyRuntime, provideNotifyRuntime } from '../../shared/runtime/notify-runtime.js';
import { createRecommendDeps, provideRecommendRuntime } from '../../shared/runtime/recommend-runtime.js';
import { apiApp } from '../api/index.js';
import { acceptPushOnly } from './post-only.js';

export interface LocalStack {
  readonly config: Config;
  readonly router: LocalPushRouter;
  readonly routerPort: number;
  readonly ingestUrl: string;
  readonly scoreUrl: string;
  readonly forecastUrl: string;
  /** The api function: /v1, /openapi.json, /docs and the dashboard at /. */
  readonly apiUrl: string;
  readonly notifyUrl: string;
  readonly recommendUrl: string;
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

/** The functions the host serves, the topic each is pushed from, and their port after the router's (the api takes 8084, the copilot 8085). */
const PUSHED_FUNCTIONS = [
  { name: 'ingest', topic: 'readings', subscription: 'readings-ingest', port: 0 },
  { name: 'score', topic: 'readingsClean', subscription: 'readings-clean-score', port: 1 },
  { name: 'forecast', topic: 'forecastTick', subscription: 'forecast-tick-forecast', port: 2 },
  { name: 'notify', topic: 'alerts', subscription: 'alerts-notify', port: 5 },
  { name: 'recommend', topic: 'maintenanceTick', subscription: 'maintenance-tick-recommend', port: 6 },
] as const satisfies ReadonlyArray<{ name: FunctionName; topic: TopicRole; subscription: string; port: number }>;
const API_PORT = 3;
const COPILOT_PORT = 4;

/** What the host publishes on the alerts topic every alertsSweepMs: Cloud Scheduler's sweep. */
export const SWEEP_COMMAND = JSON.stringify({ command: 'sweep' });

export const LOCAL_ROUTER_PATH = '/_local/router';

/** Topics the hosted functions publish to while handling a delivery: the router never refuses them. */
const INTERNAL_TOPICS: readonly TopicRole[] = ['readingsClean', 'alerts', 'deadLetter'];

/**
 * Everything `npm start` runs, in one process (DuckDB allows one writer per file): the local push router
 * standing in for Pub/Sub, and each function under the functions framework, served over real HTTP:
 * readings → ingest → readings-clean → score; forecast-tick → forecast; and the api function (its Hono app on
 * Node's HTTP server), which reads the warehouse on its own connections to the same DuckDB instance (it listens
 * after the pushed functions: 8084).
 */
export async function startLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  await Promise.all([
    import('../ingest/index.js'),
    import('../score/index.js'),
    import('../forecast/index.js'),
    import('../notify/index.js'),
    import('../recommend/index.js'),
    import('../copilot/index.js'),
  ]);
  // The functions get the host's adapters before anything listens: a delivery that arrives while the stack
  // starts waits for them, and no function ever opens a warehouse of its own.
  const ready = deferred<{ deps: IngestDeps; scoreDeps: ScoreDeps; warehouse: Warehouse }>();
  provideIngestRuntime(ready.promise.then((r) => r.deps));
  provideScoreRuntime(ready.promise.then((r) => r.scoreDeps));
  provideForecastRuntime(ready.promise.then(async (r) => createForecastDeps(config, r.warehouse)));
  // The api reads the same DuckDB instance on connections of its own (one process owns the file).
  // The dashboard's copilot panel goes through the api to this host's copilot unless KILOWATCH_COPILOT_URL names another.
  const copilotListening = deferred<string>();
  provideApiRuntime(
    ready.promise.then(async (r) => {
      const api = await createApiRuntime(config, r.warehouse, r.deps.bus);
      return {
        ...api,
        options: { ...api.options, copilotUrl: api.options.copilotUrl ?? (await copilotListening.promise) },
      };
    }),
  );
  // The copilot too; its guarded SQL takes a locked read-only connection of the instance on first use.
  provideCopilotRuntime(ready.promise.then(async (r) => createCopilotRuntime(config, { warehouse: r.warehouse })));
  provideNotifyRuntime(
    ready.promise.then(async (r) =>
      createNotifyRuntime(config, {
        warehouse: r.warehouse,
        bus: r.deps.bus,
        ...(options.now ? { now: options.now } : {}),
      }),
    ),
  );
  const operations = ready.promise.then(async (r) => ({
    recommend: await createRecommendDeps(config, r.warehouse),
    drift: await createDriftDeps(config, r.warehouse, r.deps.bus),
  }));
  provideRecommendRuntime(operations);

  const firstPort = options.functionsPort ?? config.KILOWATCH_LOCAL_PORT + 1;
  const servers: Server[] = [];
  const urls = {} as Record<(typeof PUSHED_FUNCTIONS)[number]['name'], string>;
  for (const fn of PUSHED_FUNCTIONS) {
    const server = getTestServer(fn.name);
    acceptPushOnly(
      server,
      `POST of Pub/Sub push deliveries from subscription ${fn.subscription} (publish to topic ${topicName(config, fn.topic)} through the router)`,
    );
    servers.push(server);
    urls[fn.name] = `http://127.0.0.1:${await listen(server, firstPort === 0 ? 0 : firstPort + fn.port)}/`;
  }
  // 256 deliveries in flight per subscription (ordered ones still one per key): small messages are bound by
  // latency (a DuckDB commit, a journal sync, the readings-clean batch), and more in flight share each commit,
  // sync and batch (single-reading messages: 2x messages/s at 64 over 8, about 1.4x more at 256, docs/BENCHMARKS.md).
  const retry = {
    maxAttempts: options.maxAttempts ?? 5,
    minBackoffMs: options.minBackoffMs ?? 200,
    maxBackoffMs: 10_000,
    concurrency: 256,
  };

  const registry = DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE);
  const siteTopics = registry.sites().map((site) => ({ site, topic: siteTopicName(config, site) }));
  const subscribed = PUSHED_FUNCTIONS.filter((fn) => !options.subscribe || options.subscribe.includes(fn.name));
  // Each site's own topic pushes to ingest too, as in the cloud: ingest takes from it only the site's devices.
  const siteSubscriptions = subscribed.some((fn) => fn.name === 'ingest')
    ? siteTopics.map(({ site, topic }) => ({
        name: `readings-ingest.${site}`,
        topic,
        endpoint: urls.ingest,
        ordered: true,
        ...retry,
      }))
    : [];
  const router: LocalPushRouter = new LocalPushRouter({
    project: LOCAL_PROJECT,
    deadLetterTopic: topicName(config, 'deadLetter'),
    deadLetters: new DeadLetterFile(deadLetterPath(config)),
    subscriptions: [
      ...subscribed.map((fn) => ({
        name: fn.subscription,
        topic: topicName(config, fn.topic),
        endpoint: urls[fn.name],
        ordered: ORDERED_TOPICS.includes(fn.topic),
        ...retry,
      })),
      ...siteSubscriptions,
    ],
    routes: {
      [LOCAL_STATS_PATH]: async () => statsOf(config, (await ready.promise).warehouse),
      // Deliveries still to make: how `npm run chaos` and scripts know the pipeline has caught up.
      [LOCAL_ROUTER_PATH]: () => Promise.resolve({ pendingDeliveries: router.pendingDeliveries, ...router.stats }),
      [LOCAL_LATEST_PATH]: async (url) => ({
        latestMs: (await latestReadingMs((await ready.promise).warehouse, url.searchParams.getAll('device'))) ?? null,
      }),
      [LOCAL_INCIDENTS_PATH]: async () => incidentsOf((await ready.promise).warehouse, recentFilter()),
      [LOCAL_RECOMMEND_PATH]: async (url) => recommendFromQuery((await operations).recommend, url.searchParams),
      [LOCAL_DRIFT_PATH]: async (url) => driftFromQuery((await operations).drift, url.searchParams),
    },
    topics: [
      ...(Object.keys(TOPICS) as TopicRole[]).map((role) => topicName(config, role)),
      ...siteTopics.map((t) => t.topic),
    ],
    journalDir: routerJournalDir(config),
    maxBacklog: { messages: config.KILOWATCH_ROUTER_MAX_BACKLOG, bytes: config.KILOWATCH_ROUTER_MAX_BACKLOG_BYTES },
    internalTopics: INTERNAL_TOPICS.map((role) => topicName(config, role)),
  });
  const routerPort = await router.listen(options.routerPort ?? config.KILOWATCH_LOCAL_PORT);

  try {
    // The functions publish through the Pub/Sub client library to the router's REST API, as in the cloud.
    const built = await createIngestDeps({
      ...config,
      PUBSUB_API_ENDPOINT: config.PUBSUB_API_ENDPOINT ?? `127.0.0.1:${routerPort}`,
    });
    const deps = options.wrapWarehouse ? { ...built, warehouse: options.wrapWarehouse(built.warehouse) } : built;
    await seedDevices(built.warehouse, registry);
    // Scoring and forecasting use the real warehouse: a test's faulty wrapper targets ingest's retries only.
    const scoreDeps = await createScoreDeps(config, { warehouse: built.warehouse, bus: deps.bus });
    ready.resolve({ deps, scoreDeps, warehouse: built.warehouse });
  } catch (error) {
    ready.reject(error);
    await router.close();
    for (const server of servers) server.close();
    throw error;
  }
  const { deps, scoreDeps, warehouse } = await ready.promise;
  // The api's Hono app on Node's own HTTP server (@hono/node-server), not under the functions framework: its
  // express stack costs more than the queries (docs/BENCHMARKS.md#query-api-series-endpoint); the cloud runs
  // the same app under the framework.
  const apiServer = createAdaptorServer({
    fetch: async (request, env) => (await apiApp()).fetch(request, env),
  }) as Server;
  servers.push(apiServer);
  const apiPort = await listen(apiServer, firstPort === 0 ? 0 : firstPort + API_PORT);
  const copilotServer = getTestServer('copilot');
  servers.push(copilotServer);
  const copilotPort = await listen(copilotServer, firstPort === 0 ? 0 : firstPort + COPILOT_PORT);
  const sweepMs = options.alertsSweepMs ?? 30_000;
  const sweeper =
    sweepMs > 0
      ? setInterval(() => router.publish('alerts', [{ data: Buffer.from(SWEEP_COMMAND) }]), sweepMs)
      : undefined;
  sweeper?.unref();
  copilotListening.resolve(`http://127.0.0.1:${copilotPort}`);

  return {
    config,
    router,
    routerPort,
    ingestUrl: urls.ingest,
    scoreUrl: urls.score,
    forecastUrl: urls.forecast,
    apiUrl: `http://127.0.0.1:${apiPort}/`,
    notifyUrl: urls.notify,
    recommendUrl: urls.recommend,
    copilotUrl: `http://127.0.0.1:${copilotPort}/`,
    deps,
    scoreDeps,
    warehouse,
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
      await deps.bus.close();
      await warehouse.close();
    },
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejections reach whoever awaits; this keeps an unobserved one from crashing the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
