import { join } from 'node:path';
import type { Bus } from '../bus/port.js';
import { siteTopicName, topicName, type Config } from '../config/env.js';
import type { Warehouse } from '../warehouse/port.js';

/** Project id the local stack uses for Pub/Sub resource names. */
export const LOCAL_PROJECT = 'kilowatch-local';

export function warehousePath(config: Config): string {
  return join(config.KILOWATCH_DATA_DIR, 'warehouse.duckdb');
}

export function deadLetterPath(config: Config): string {
  return join(config.KILOWATCH_DATA_DIR, 'dead-letters.jsonl');
}

/** The local router's journal of accepted, unacknowledged messages. */
export function routerJournalDir(config: Config): string {
  return join(config.KILOWATCH_DATA_DIR, 'router');
}

/** Where the local router listens: Pub/Sub's REST API on the first local port. */
export function localRouterEndpoint(config: Config): string {
  return `127.0.0.1:${config.KILOWATCH_LOCAL_PORT}`;
}

/**
 * BigQuery in the cloud, the DuckDB file locally; cloud SDKs load only when used. `readLimits` bound BigQuery's
 * selects (bytes billed, time) where people wait on them.
 */
export async function openWarehouse(
  config: Config,
  readLimits?: { maximumBytesBilled: number; timeoutMs: number },
): Promise<Warehouse> {
  if (config.KILOWATCH_BACKEND === 'gcp') {
    const { BigQueryWarehouse } = await import('../warehouse/bigquery.js');
    return new BigQueryWarehouse({
      projectId: config.GOOGLE_CLOUD_PROJECT as string,
      dataset: config.KILOWATCH_BQ_DATASET,
      location: config.KILOWATCH_BQ_LOCATION,
      apiEndpoint: config.BIGQUERY_API_ENDPOINT,
      ...(readLimits ? { readLimits } : {}),
    });
  }
  const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
  const warehouse = await DuckDbWarehouse.open(warehousePath(config));
  await warehouse.init();
  return warehouse;
}

/** Pub/Sub through its client library: Google's service in the cloud, the local router's REST API locally. */
export async function openBus(config: Config): Promise<Bus> {
  const { PubSubBus } = await import('../bus/pubsub.js');
  const local = config.KILOWATCH_BACKEND === 'local';
  return new PubSubBus({
    projectId: local ? LOCAL_PROJECT : (config.GOOGLE_CLOUD_PROJECT as string),
    topicName: (role) => topicName(config, role),
    siteTopicName: (site) => siteTopicName(config, site),
    apiEndpoint: config.PUBSUB_API_ENDPOINT ?? (local ? localRouterEndpoint(config) : undefined),
  });
}
