import type { IncidentRow } from '../warehouse/schema/tables.js';

export interface IncidentFilter {
  /** Only incidents in these states (default: all). */
  readonly states?: ReadonlyArray<IncidentRow['state']>;
  readonly deviceId?: string;
  /** Only this incident. */
  readonly incidentId?: string;
  /** Incidents changed at or after this time (ISO), besides every one still open or acknowledged. */
  readonly changedSince?: string;
  readonly limit?: number;
}

/** Newest anomaly score of a (device, metric) series: how far its data reaches. */
export interface LatestScore {
  readonly deviceId: string;
  readonly metric: string | null;
  readonly tsMs: number;
}

/** Newest stored reading of a device. */
export interface LastReading {
  readonly deviceId: string;
  readonly tsMs: number;
}

/**
 * The read side of the alert lifecycle (the write side is Warehouse.insert): BigQuery in the cloud,
 * DuckDB locally. Rows are deduplicated on their key.
 */
export interface IncidentReads {
  /** The latest row of each incident that is open or acknowledged, or changed since `filter.changedSince`; newest change first. */
  currentIncidents(filter: IncidentFilter): Promise<IncidentRow[]>;
  /** Every incidents row changed at or after `since` (ISO): what the notifier may still owe. */
  changesSince(since: string): Promise<IncidentRow[]>;
  /** (event_id, channel) of the notifications recorded at or after `since`. */
  notifiedSince(since: string): Promise<Array<{ eventId: string; channel: string }>>;
  /** The newest score time of each metric of these devices, among scores at or after `from` (ISO). */
  latestScores(deviceIds: readonly string[], from: string): Promise<LatestScore[]>;
  /** The newest reading time of each device with readings at or after `since` (ISO): what silence is judged on. */
  lastReadings(since: string): Promise<LastReading[]>;
}
