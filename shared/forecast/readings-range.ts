import type { Config } from '../config/env.js';
import { warehousePath } from '../runtime/adapters.js';

/** One stored reading as the training-set export needs it. */
export interface RangeReading {
  /** ISO 8601 UTC. */
  ts: string;
  metric: string;
  value: number | null;
  status: string;
  flags: string[];
}

/**
 * Reads a device's readings of some metrics over [from, to) from the deduplicated readings. This belongs on the
 * Warehouse port (`readingsBetween`); until it is there, these two adapters read the same view the port's
 * adapters do: the DuckDB file locally, BigQuery in the cloud.
 */
export interface ReadingsRange {
  readingsBetween(deviceId: string, metrics: readonly string[], fromIso: string, toIso: string): Promise<RangeReading[]>;
  close(): Promise<void>;
}

function toReading(r: Record<string, unknown>): RangeReading {
  const value = r.value === null || r.value === undefined ? null : Number(r.value);
  const flags = Array.isArray(r.flags) ? r.flags.map(String) : [];
  return { ts: String(r.ts), metric: String(r.metric), value, status: String(r.status), flags };
}

export async function openReadingsRange(config: Config): Promise<ReadingsRange> {
  if (config.KILOWATCH_BACKEND === 'gcp') {
    return bigQueryRange({
      projectId: config.GOOGLE_CLOUD_PROJECT as string,
      dataset: config.KILOWATCH_BQ_DATASET,
      location: config.KILOWATCH_BQ_LOCATION,
      apiEndpoint: config.BIGQUERY_API_ENDPOINT,
    });
  }
  const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
  const warehouse = await DuckDbWarehouse.open(warehousePath(config));
  await warehouse.init();
  return duckDbRange(warehouse);
}

export function duckDbRange(warehouse: { query(sql: string, params?: Record<string, string | number | boolean | null>): Promise<Record<string, unknown>[]>; close(): Promise<void> }): ReadingsRange {
  return {
    async readingsBetween(deviceId, metrics, fromIso, toIso) {
      const params: Record<string, string> = { device: deviceId, from: fromIso, to: toIso };
      metrics.forEach((m, i) => (params[`m${i}`] = m));
      const list = metrics.map((_, i) => `$m${i}`).join(', ');
      const rows = await warehouse.query(
        `SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, metric, value, status, flags
         FROM readings_dedup
         WHERE device_id = $device AND metric IN (${list}) AND ts >= $from::TIMESTAMPTZ AND ts < $to::TIMESTAMPTZ
         ORDER BY ts, metric`,
        params,
      );
      return rows.map(toReading);
    },
    close: () => warehouse.close(),
  };
}

export interface BigQueryRangeOptions {
  projectId: string;
  dataset: string;
  location: string;
  apiEndpoint?: string;
}

export async function bigQueryRange(options: BigQueryRangeOptions): Promise<ReadingsRange> {
  const [{ BigQuery }, { PassThroughClient }, { isGoogleEndpoint }, { classifyBigQueryError }] = await Promise.all([
    import('@google-cloud/bigquery'),
    import('google-auth-library'),
    import('../warehouse/bigquery.js'),
    import('../warehouse/bigquery-errors.js'),
  ]);
  if (!/^[a-z0-9.:-]{1,100}$/i.test(options.projectId)) throw new Error(`invalid BigQuery project id: ${options.projectId}`);
  if (!/^\w{1,1024}$/.test(options.dataset)) throw new Error(`invalid BigQuery dataset id: ${options.dataset}`);
  const client = new BigQuery({
    projectId: options.projectId,
    location: options.location,
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    ...(options.apiEndpoint && !isGoogleEndpoint(options.apiEndpoint) ? { authClient: new PassThroughClient() } : {}),
  });
  const table = `\`${options.projectId}.${options.dataset}.readings\``;
  return {
    async readingsBetween(deviceId, metrics, fromIso, toIso) {
      // Filter on device, metric and time before deduplicating, as the adapter does, so partitions and clusters prune.
      const query =
        `SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', ts, 'UTC') AS ts, metric, value, status, flags FROM ${table} ` +
        `WHERE device_id = @device_id AND metric IN UNNEST(@metrics) AND ts >= TIMESTAMP(@from) AND ts < TIMESTAMP(@to) ` +
        `QUALIFY ROW_NUMBER() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1 ORDER BY ts, metric`;
      try {
        const [rows] = await client.query({
          query,
          params: { device_id: deviceId, metrics: [...metrics], from: fromIso, to: toIso },
          location: options.location,
          useLegacySql: false,
        });
        return (rows as Record<string, unknown>[]).map(toReading);
      } catch (error) {
        throw classifyBigQueryError(error, 'query (export-training-set)');
      }
    },
    close: async () => undefined,
  };
}
