import type { Bus } from '../bus/port.js';
import type { Config } from '../config/env.js';
import { localRouterEndpoint, openWarehouse } from '../runtime/adapters.js';
import type { Warehouse } from '../warehouse/port.js';
import type { IncidentRow } from '../warehouse/schema/tables.js';
import { alertCommand, type AlertCommand } from './alert-message.js';
import { incidentReads } from './open-reads.js';
import type { IncidentFilter } from './reads.js';

export const LOCAL_INCIDENTS_PATH = '/_local/incidents';
/** What the local host's incidents page and `alerts list` show by default: the open ones and a week of history. */
export const RECENT_MS = 7 * 86_400_000;

export function recentFilter(now = Date.now()): IncidentFilter {
  return { changedSince: new Date(now - RECENT_MS).toISOString(), limit: 1000 };
}

/** Incidents from an open warehouse (the local host serves these while it owns the DuckDB file). */
export async function incidentsOf(warehouse: Warehouse, filter: IncidentFilter): Promise<IncidentRow[]> {
  return (await incidentReads(warehouse)).currentIncidents(filter);
}

/** Current incidents: locally from a running `npm start` (it owns the DuckDB file) or the file itself; BigQuery in the cloud. */
export async function listIncidents(config: Config, filter: IncidentFilter): Promise<IncidentRow[]> {
  if (config.KILOWATCH_BACKEND === 'local') {
    const running = await fetch(`http://${localRouterEndpoint(config)}${LOCAL_INCIDENTS_PATH}`).catch(() => undefined);
    if (running?.ok) {
      const rows = (await running.json()) as IncidentRow[];
      return rows.filter(
        (r) =>
          (!filter.states || filter.states.includes(r.state)) && (!filter.deviceId || r.device_id === filter.deviceId),
      );
    }
  }
  const warehouse = await openWarehouse(config);
  try {
    return await incidentsOf(warehouse, filter);
  } finally {
    await warehouse.close();
  }
}

/**
 * A person's acknowledgement or resolution, sent on the alerts topic: the notify function owns the
 * incidents and applies it in order with the anomalies (and notifies it). Validated here first.
 */
export async function sendIncidentCommand(bus: Bus, command: AlertCommand): Promise<string> {
  const valid = alertCommand.parse(command);
  const [id] = await bus.publish('alerts', [{ data: JSON.stringify(valid), attributes: { kind: valid.command } }]);
  return id as string;
}
