import type { DuckDBConnection } from '@duckdb/node-api';
import { copilotDataset, type Config } from '../../config/env.js';
import type { SqlRunner } from './runner.js';

/**
 * The guarded SQL runner of a deployment: BigQuery in the copilot views' dataset in the cloud; locally a
 * connection of the running warehouse's instance when this process owns it, else the file opened read-only.
 */
export async function openSqlRunner(
  config: Config,
  local?: { connectReader(): Promise<DuckDBConnection> },
): Promise<SqlRunner & { close?: () => void }> {
  if (config.KILOWATCH_BACKEND === 'gcp') {
    const { BigQuerySqlRunner } = await import('./bigquery-runner.js');
    return new BigQuerySqlRunner({
      projectId: config.GOOGLE_CLOUD_PROJECT as string,
      dataset: copilotDataset(config),
      location: config.KILOWATCH_BQ_LOCATION,
      maxBytes: config.KILOWATCH_SQL_MAX_BYTES,
      timeoutMs: config.KILOWATCH_SQL_TIMEOUT_MS,
      apiEndpoint: config.BIGQUERY_API_ENDPOINT,
    });
  }
  const { DuckDbSqlRunner } = await import('./duckdb-runner.js');
  if (local) return DuckDbSqlRunner.onConnection(await local.connectReader(), config.KILOWATCH_SQL_TIMEOUT_MS);
  const { warehousePath } = await import('../../runtime/adapters.js');
  return DuckDbSqlRunner.openReadOnly(warehousePath(config), config.KILOWATCH_SQL_TIMEOUT_MS);
}
