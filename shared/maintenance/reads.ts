/** A machine that reported in a time range, with the metrics it reported and its newest reading. */
export interface ActiveDevice {
  readonly deviceId: string;
  readonly metrics: string[];
  readonly lastTsMs: number;
}

/** Reads the maintenance recommendations need besides Warehouse's readings and forecasts; BigQuery or DuckDB. */
export interface MaintenanceReads {
  /** Devices with readings in [from, to) (ISO). */
  activeDevices(from: string, to: string): Promise<ActiveDevice[]>;
  /** A device's anomaly scores in [from, to) (ISO), deduplicated. */
  scoresBetween(deviceId: string, from: string, to: string): Promise<Array<{ tsMs: number; isAnomaly: boolean }>>;
}
