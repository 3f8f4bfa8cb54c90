import type { Warehouse } from '../warehouse/port.js';
import type { IncidentReads } from './reads.js';

/** The incidents' reads on the warehouse at hand: DuckDB locally, BigQuery in the cloud. */
export async function incidentReads(warehouse: Warehouse): Promise<IncidentReads> {
  const { DuckDbWarehouse } = await import('../warehouse/duckdb.js');
  if (warehouse instanceof DuckDbWarehouse) {
    const { DuckDbIncidentReads } = await import('./duckdb-incident-reads.js');
    return new DuckDbIncidentReads(warehouse);
  }
  const { BigQueryWarehouse } = await import('../warehouse/bigquery.js');
  if (!(warehouse instanceof BigQueryWarehouse))
    throw new Error('incident reads need the DuckDB or the BigQuery warehouse');
  const { BigQueryIncidentReads } = await import('./bigquery-incident-reads.js');
  return new BigQueryIncidentReads(warehouse);
}
