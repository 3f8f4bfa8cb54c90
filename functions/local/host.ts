import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { DeadLetterFile } from '../../shared/bus/dead-letter-sink.js';
import { LocalPushRouter } from '../../shared/bus/local-router.js';
import { topicName, type Config } from '../../shared/config/env.js';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { seedDevices } from '../../shared/devices/seed-devices.js';
import type { IngestDeps } from '../../shared/ingest/ingest-message.js';
import { deadLetterPath, LOCAL_PROJECT } from '../../shared/runtime/adapters.js';
import { createIngestDeps, provideIngestRuntime } from '../../shared/runtime/ingest-runtime.js';
import { LOCAL_STATS_PATH, statsOf } from '../../shared/stats/warehouse-stats.js';

export interface LocalStack {
  readonly config: Config;
  readonly router: LocalPushRouter;
  readonly routerPort: number;
  readonly ingestUrl: string;
  readonly deps: IngestDeps;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  /** Port of the function servers; 0 picks free ports (tests). The router takes config.KILOWATCH_LOCAL_PORT. */
  readonly functionsPort?: number;
  readonly maxAttempts?: number;
  readonly minBackoffMs?: number;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Everything `npm start` runs, in one process (DuckDB allows one writer per file): the local push router
 * standing in for Pub/Sub, and each function under the functions framework, served over real HTTP.
 */
export async function startLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  const deps = await createIngestDeps(config);
  provideIngestRuntime(deps);
  await seedDevices(deps.warehouse, DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE));
  await import('../ingest/index.js');
  const ingestServer = getTestServer('ingest');
  const ingestPort = await listen(ingestServer, options.functionsPort ?? config.KILOWATCH_LOCAL_PORT + 1);
  const ingestUrl = `http://127.0.0.1:${ingestPort}/`;

  const router = new LocalPushRouter({
    project: LOCAL_PROJECT,
    deadLetterTopic: topicName(config, 'deadLetter'),
    deadLetters: new DeadLetterFile(deadLetterPath(config)),
    subscriptions: [
      {
        name: 'readings-ingest',
        topic: topicName(config, 'readings'),
        endpoint: ingestUrl,
        maxAttempts: options.maxAttempts ?? 5,
        minBackoffMs: options.minBackoffMs ?? 200,
        maxBackoffMs: 10_000,
        concurrency: 4,
      },
    ],
    routes: { [LOCAL_STATS_PATH]: () => statsOf(config, deps.warehouse) },
  });
  const routerPort = await router.listen(config.KILOWATCH_LOCAL_PORT);

  return {
    config,
    router,
    routerPort,
    ingestUrl,
    deps,
    async close() {
      await router.close();
      await new Promise<void>((resolve) => ingestServer.close(() => resolve()));
      ingestServer.closeAllConnections?.();
      await deps.bus.close();
      await deps.warehouse.close();
    },
  };
}
