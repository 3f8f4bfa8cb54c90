import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import type { ActiveDevice, MaintenanceReads } from './reads.js';

export class DuckDbMaintenanceReads implements MaintenanceReads {
  constructor(private readonly warehouse: DuckDbWarehouse) {}

  async activeDevices(from: string, to: string): Promise<ActiveDevice[]> {
    const rows = await this.warehouse.query(
      `SELECT device_id, list_sort(list(DISTINCT metric)) AS metrics, epoch_ms(max(ts)) AS last_ms FROM readings
       WHERE ts >= $from::TIMESTAMPTZ AND ts < $to::TIMESTAMPTZ GROUP BY device_id ORDER BY device_id`,
      { from, to },
    );
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      metrics: r.metrics as string[],
      lastTsMs: Number(r.last_ms),
    }));
  }

  async scoresBetween(
    deviceId: string,
    from: string,
    to: string,
  ): Promise<Array<{ tsMs: number; isAnomaly: boolean }>> {
    const rows = await this.warehouse.query(
      `SELECT epoch_ms(ts) AS ms, is_anomaly FROM anomaly_scores
       WHERE device_id = $device AND ts >= $from::TIMESTAMPTZ AND ts < $to::TIMESTAMPTZ
       QUALIFY row_number() OVER (PARTITION BY score_id ORDER BY scored_at) = 1`,
      { device: deviceId, from, to },
    );
    return rows.map((r) => ({ tsMs: Number(r.ms), isAnomaly: Boolean(r.is_anomaly) }));
  }
}
