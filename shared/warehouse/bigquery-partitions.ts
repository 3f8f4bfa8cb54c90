import type { BigQueryWarehouse } from './bigquery.js';
import { readings } from './schema/tables.js';

/** Start of the oldest non-empty daily partition of `readings` (ISO), from metadata: no table scan. */
export async function oldestReadingsPartition(warehouse: BigQueryWarehouse): Promise<string | null> {
  const rows = await warehouse.select(
    `SELECT MIN(partition_id) AS oldest FROM ${warehouse.qualified('INFORMATION_SCHEMA.PARTITIONS')} ` +
      `WHERE table_name = @table AND REGEXP_CONTAINS(partition_id, r'^[0-9]{8}$') AND total_rows > 0`,
    { table: readings.name },
    'oldest readings partition',
  );
  const id = rows[0]?.oldest;
  if (typeof id !== 'string') return null;
  return `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T00:00:00.000Z`;
}
