import type { Config } from '../config/env.js';
import type { Warehouse } from '../warehouse/port.js';
import type { RollupStore } from './port.js';

/** The roll-up store on the warehouse at hand: DuckDB locally, BigQuery in the cloud. */
export async function rollupStore(warehouse: Warehouse, config: Config): Promise<RollupStore> {
  const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
  if (warehouse instanceof DuckDbWarehouse) {
    const { DuckDbRollupStore } = await import('./duckdb-rollups.js');
    return new DuckDbRollupStore(warehouse);
  }
  const { BigQueryWarehouse } = await import('../warehouse/bigquery.js');
  if (!(warehouse instanceof BigQueryWarehouse)) throw new Error('roll-ups need the DuckDB or the BigQuery warehouse');
  const { BigQueryRollupStore } = await import('./bigquery-rollups.js');
  return new BigQueryRollupStore(warehouse, {
    projectId: config.GOOGLE_CLOUD_PROJECT as string,
    dataset: config.KILOWATCH_BQ_DATASET,
  });
}
