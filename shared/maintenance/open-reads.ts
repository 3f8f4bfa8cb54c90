import type { Warehouse } from '../warehouse/port.js';
import type { MaintenanceReads } from './reads.js';

/** The maintenance reads on the warehouse at hand: DuckDB locally, BigQuery in the cloud. */
export async function maintenanceReads(warehouse: Warehouse): Promise<MaintenanceReads> {
  const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
  if (warehouse instanceof DuckDbWarehouse) {
    const { DuckDbMaintenanceReads } = await import('./duckdb-maintenance-reads.js');
    return new DuckDbMaintenanceReads(warehouse);
  }
  const { BigQueryWarehouse } = await import('../warehouse/bigquery.js');
  if (!(warehouse instanceof BigQueryWarehouse))
    throw new Error('maintenance reads need the DuckDB or the BigQuery warehouse');
  const { BigQueryMaintenanceReads } = await import('./bigquery-maintenance-reads.js');
  return new BigQueryMaintenanceReads(warehouse);
}
