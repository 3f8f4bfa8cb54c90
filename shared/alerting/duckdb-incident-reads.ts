import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { incidents, type IncidentRow } from '../warehouse/schema/tables.js';
import type { IncidentFilter, IncidentReads, LastReading, LatestScore } from './reads.js';

const TIMESTAMPS = new Set(
  Object.entries(incidents.columns)
    .filter(([, c]) => c.type === 'TIMESTAMP')
    .map(([n]) => n),
);
/** The incidents columns, timestamps as the ISO UTC text rows carry. */
const COLUMNS = Object.keys(incidents.columns)
  .map((n) => (TIMESTAMPS.has(n) ? `strftime("${n}" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS "${n}"` : `"${n}"`))
  .join(', ');

function incidentRow(r: Record<string, unknown>): IncidentRow {
  return incidents.row.parse({ ...r, version: Number(r.version), anomalies: Number(r.anomalies) });
}

/** The alert lifecycle's reads on the embedded warehouse. */
export class DuckDbIncidentReads implements IncidentReads {
  constructor(private readonly warehouse: DuckDbWarehouse) {}

  async currentIncidents(filter: IncidentFilter): Promise<IncidentRow[]> {
    const rows = await this.warehouse.query(
      `SELECT ${COLUMNS} FROM (
         SELECT * FROM incidents_dedup QUALIFY row_number() OVER (PARTITION BY incident_id ORDER BY version DESC) = 1
       ) AS latest
       WHERE (state <> 'resolved' OR changed_at >= $since::TIMESTAMPTZ)
         AND ($states = '' OR list_contains(string_split($states, ','), state))
         AND ($device = '' OR device_id = $device)
         AND ($incident = '' OR incident_id = $incident)
       ORDER BY latest.changed_at DESC, latest.incident_id LIMIT $limit`,
      {
        since: filter.changedSince ?? '9999-12-31T00:00:00Z',
        states: (filter.states ?? []).join(','),
        device: filter.deviceId ?? '',
        incident: filter.incidentId ?? '',
        limit: filter.limit ?? 1000,
      },
    );
    return rows.map(incidentRow);
  }

  async changesSince(since: string): Promise<IncidentRow[]> {
    const rows = await this.warehouse.query(
      `SELECT ${COLUMNS} FROM incidents_dedup WHERE changed_at >= $since::TIMESTAMPTZ ORDER BY incident_id, version`,
      { since },
    );
    return rows.map(incidentRow);
  }

  async notifiedSince(since: string): Promise<Array<{ eventId: string; channel: string }>> {
    const rows = await this.warehouse.query(
      'SELECT event_id, channel FROM notifications_dedup WHERE sent_at >= $since::TIMESTAMPTZ',
      { since },
    );
    return rows.map((r) => ({ eventId: String(r.event_id), channel: String(r.channel) }));
  }

  async latestScores(deviceIds: readonly string[], from: string): Promise<LatestScore[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.warehouse.query(
      `SELECT device_id, metric, epoch_ms(max(ts)) AS ts_ms FROM anomaly_scores
       WHERE list_contains(string_split($devices, chr(31)), device_id) AND ts >= $from::TIMESTAMPTZ
       GROUP BY device_id, metric`,
      { devices: deviceIds.join('\u001f'), from },
    );
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      metric: typeof r.metric === 'string' ? r.metric : null,
      tsMs: Number(r.ts_ms),
    }));
  }

  async lastReadings(since: string): Promise<LastReading[]> {
    const rows = await this.warehouse.query(
      `SELECT device_id, epoch_ms(max(ts)) AS ts_ms FROM readings WHERE ts >= $since::TIMESTAMPTZ GROUP BY device_id`,
      { since },
    );
    return rows.map((r) => ({ deviceId: String(r.device_id), tsMs: Number(r.ts_ms) }));
  }
}
