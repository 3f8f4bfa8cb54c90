import type { BigQueryWarehouse } from '../warehouse/bigquery.js';
import { fromBigQueryRow } from '../warehouse/bigquery-rows.js';
import { incidents, type IncidentRow } from '../warehouse/schema/tables.js';
import { LAST_SEEN_VIEW } from '../warehouse/schema/last-seen.js';
import type { IncidentFilter, IncidentReads, LastReading, LatestScore } from './reads.js';

const COLUMNS = Object.keys(incidents.columns).join(', ');
// TIMESTAMP cells arrive as BigQueryTimestamp objects ({ value: ISO }) or ISO strings.
const epochMs = (v: unknown) =>
  Date.parse(typeof v === 'object' && v !== null && 'value' in v ? String(v.value) : String(v));

/** The alert lifecycle's reads on BigQuery, over the deduplicated views. */
export class BigQueryIncidentReads implements IncidentReads {
  constructor(private readonly warehouse: BigQueryWarehouse) {}

  async currentIncidents(filter: IncidentFilter): Promise<IncidentRow[]> {
    const query =
      `SELECT ${COLUMNS} FROM ${this.warehouse.qualified('incidents_dedup')} ` +
      `WHERE (@incident = '' OR incident_id = @incident) ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY version DESC) = 1 ` +
      `AND (state != 'resolved' OR changed_at >= TIMESTAMP(@since)) ` +
      `AND (ARRAY_LENGTH(@states) = 0 OR state IN UNNEST(@states)) AND (@device = '' OR device_id = @device) ` +
      `ORDER BY changed_at DESC, incident_id LIMIT @limit`;
    const rows = await this.warehouse.select(
      query,
      {
        since: filter.changedSince ?? '9999-12-31T00:00:00Z',
        states: [...(filter.states ?? [])],
        device: filter.deviceId ?? '',
        incident: filter.incidentId ?? '',
        limit: filter.limit ?? 1000,
      },
      'currentIncidents',
    );
    return rows.map((r) => fromBigQueryRow(incidents, r));
  }

  async changesSince(since: string): Promise<IncidentRow[]> {
    const query = `SELECT ${COLUMNS} FROM ${this.warehouse.qualified('incidents_dedup')} WHERE changed_at >= TIMESTAMP(@since) ORDER BY incident_id, version`;
    return (await this.warehouse.select(query, { since }, 'changesSince')).map((r) => fromBigQueryRow(incidents, r));
  }

  async notifiedSince(since: string): Promise<Array<{ eventId: string; channel: string }>> {
    const query = `SELECT event_id, channel FROM ${this.warehouse.qualified('notifications_dedup')} WHERE sent_at >= TIMESTAMP(@since)`;
    const rows = await this.warehouse.select(query, { since }, 'notifiedSince');
    return rows.map((r) => ({ eventId: String(r.event_id), channel: String(r.channel) }));
  }

  async latestScores(deviceIds: readonly string[], from: string): Promise<LatestScore[]> {
    if (deviceIds.length === 0) return [];
    // The partition filter on ts keeps the scan to the days since `from`.
    const query =
      `SELECT device_id, metric, MAX(ts) AS ts FROM ${this.warehouse.qualified('anomaly_scores')} ` +
      `WHERE device_id IN UNNEST(@devices) AND ts >= TIMESTAMP(@from) GROUP BY device_id, metric`;
    const rows = await this.warehouse.select(query, { devices: [...deviceIds], from }, 'latestScores');
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      metric: typeof r.metric === 'string' ? r.metric : null,
      tsMs: epochMs(r.ts),
    }));
  }

  async lastReadings(since: string): Promise<LastReading[]> {
    // The materialized view, not readings: a sweep bills the view's days since `since` (~10,000 rows a day)
    // plus the readings not yet refreshed into it. The `day` filter prunes its partitions.
    const query =
      `SELECT device_id, MAX(last_ts) AS ts FROM ${this.warehouse.qualified(LAST_SEEN_VIEW.name)} ` +
      `WHERE day >= TIMESTAMP_TRUNC(TIMESTAMP(@since), DAY) AND last_ts >= TIMESTAMP(@since) GROUP BY device_id`;
    const rows = await this.warehouse.select(query, { since }, 'lastReadings');
    return rows.map((r) => ({ deviceId: String(r.device_id), tsMs: epochMs(r.ts) }));
  }
}
