import type { BigQueryWarehouse } from '../warehouse/bigquery.js';
import type { ActiveDevice, MaintenanceReads } from './reads.js';

// TIMESTAMP cells arrive as BigQueryTimestamp objects ({ value: ISO }) or ISO strings.
const epochMs = (v: unknown) =>
  Date.parse(typeof v === 'object' && v !== null && 'value' in v ? String(v.value) : String(v));

export class BigQueryMaintenanceReads implements MaintenanceReads {
  constructor(private readonly warehouse: BigQueryWarehouse) {}

  async activeDevices(from: string, to: string): Promise<ActiveDevice[]> {
    // The ts range prunes the partitions; duplicates change neither the metrics nor the newest time.
    const query =
      `SELECT device_id, ARRAY_AGG(DISTINCT metric ORDER BY metric) AS metrics, MAX(ts) AS last_ts FROM ${this.warehouse.qualified('readings')} ` +
      `WHERE ts >= TIMESTAMP(@from) AND ts < TIMESTAMP(@to) GROUP BY device_id ORDER BY device_id`;
    const rows = await this.warehouse.select(query, { from, to }, 'activeDevices');
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      metrics: r.metrics as string[],
      lastTsMs: epochMs(r.last_ts),
    }));
  }

  async scoresBetween(
    deviceId: string,
    from: string,
    to: string,
  ): Promise<Array<{ tsMs: number; isAnomaly: boolean }>> {
    const query =
      `SELECT ts, is_anomaly FROM ${this.warehouse.qualified('anomaly_scores')} ` +
      `WHERE device_id = @device AND ts >= TIMESTAMP(@from) AND ts < TIMESTAMP(@to) ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY score_id ORDER BY scored_at) = 1`;
    const rows = await this.warehouse.select(query, { device: deviceId, from, to }, 'scoresBetween');
    return rows.map((r) => ({ tsMs: epochMs(r.ts), isAnomaly: r.is_anomaly === true || r.is_anomaly === 'true' }));
  }
}
