import { historyLookbackMs, type Config } from '../config/env.js';
import { DeviceRegistry } from '../devices/registry.js';
import { SiteTopics } from '../devices/sites.js';
import { CleanPublisher } from '../ingest/clean-publisher.js';
import { Pacer } from '../ingest/pacer.js';
import type { IngestDeps } from '../ingest/ingest-message.js';
import { ReadingCleaner } from '../readings/clean/cleaner.js';
import { HistoryCache } from '../readings/clean/history-cache.js';
import { openBus, openWarehouse } from './adapters.js';
import { perProcess } from './per-process.js';

/** Cleaning between turns of the event loop in a burst: 50–200 ms measured alike in the ingest bench. */
const CLEANING_STRETCH_MS = 100;

export async function createIngestDeps(config: Config): Promise<IngestDeps> {
  const registry = DeviceRegistry.fromFile(config.KILOWATCH_DEVICES_FILE);
  const [warehouse, bus] = await Promise.all([openWarehouse(config), openBus(config)]);
  return {
    warehouse,
    bus,
    cleanPublisher: new CleanPublisher(bus, config.KILOWATCH_CLEAN_BATCH_MS),
    sites: new SiteTopics(config, registry),
    cleaner: new ReadingCleaner(registry, {
      futureToleranceS: config.KILOWATCH_FUTURE_TOLERANCE_S,
      futureRejectS: config.KILOWATCH_FUTURE_REJECT_S,
    }),
    history: new HistoryCache(warehouse, config.KILOWATCH_HISTORY_POINTS, historyLookbackMs(config)),
    limits: { maxBatch: config.KILOWATCH_MAX_BATCH, maxMessageBytes: config.KILOWATCH_MAX_MESSAGE_BYTES },
    pacer: new Pacer(CLEANING_STRETCH_MS),
  };
}

const runtime = perProcess(createIngestDeps);

/** The ingest function's dependencies in this process. */
export const ingestRuntime = runtime.get;
export const provideIngestRuntime = runtime.provide;
