import type { Config } from '../config/env.js';
import { invalid, notFound } from '../query/errors.js';
import { localRouterEndpoint, openWarehouse } from '../runtime/adapters.js';
import type { Warehouse } from '../warehouse/port.js';
import { INCIDENT_STATES, type IncidentRow } from '../warehouse/schema/tables.js';
import { alertCommand, INCIDENT_ID_ACCEPTED } from './alert-message.js';
import type { IncidentDesk, PersonCommand } from './desk.js';
import { incidentReads } from './open-reads.js';
import type { IncidentFilter } from './reads.js';

export const LOCAL_INCIDENTS_PATH = '/_local/incidents';
/** What the local host's incidents page, `alerts list` and GET /v1/incidents show by default: the open ones and a week of history. */
export const RECENT_MS = 7 * 86_400_000;
/** Most incidents one listing returns. */
export const INCIDENTS_MAX = 1000;
/** Incidents one listing returns when no limit is given. */
export const INCIDENTS_DEFAULT_LIMIT = 100;

export type IncidentState = IncidentRow['state'];

export function recentFilter(now = Date.now()): IncidentFilter {
  return { changedSince: new Date(now - RECENT_MS).toISOString(), limit: INCIDENTS_MAX };
}

/** Comma-separated states (the CLI's --state, the API's state): the states, or what is wrong with the text. */
export function parseIncidentStates(text: string): IncidentState[] | { error: string } {
  const states = text.split(',').map((s) => s.trim());
  const bad = states.find((s) => !(INCIDENT_STATES as readonly string[]).includes(s));
  if (bad !== undefined) return { error: `'${bad}' is not one of ${INCIDENT_STATES.join(', ')} (comma-separated)` };
  return states as IncidentState[];
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
      return rows
        .filter(
          (r) =>
            (!filter.states || filter.states.includes(r.state)) &&
            (!filter.deviceId || r.device_id === filter.deviceId) &&
            (!filter.incidentId || r.incident_id === filter.incidentId),
        )
        .slice(0, filter.limit ?? INCIDENTS_MAX);
    }
  }
  const warehouse = await openWarehouse(config);
  try {
    return await incidentsOf(warehouse, filter);
  } finally {
    await warehouse.close();
  }
}

export interface IncidentQuery {
  readonly states?: readonly IncidentState[];
  readonly deviceId?: string;
  readonly limit?: number;
}

/** The incidents people see: open or acknowledged, and those changed in the last 7 days, newest change first. */
export async function currentIncidents(
  desk: Pick<IncidentDesk, 'current'>,
  query: IncidentQuery,
  now: number,
): Promise<{ changedSince: string; incidents: IncidentRow[] }> {
  const limit = query.limit ?? INCIDENTS_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > INCIDENTS_MAX)
    throw invalid('limit', `limit must be an integer from 1 to ${INCIDENTS_MAX}`);
  const filter: IncidentFilter = {
    ...recentFilter(now),
    limit,
    ...(query.states ? { states: query.states } : {}),
    ...(query.deviceId ? { deviceId: query.deviceId } : {}),
  };
  return { changedSince: filter.changedSince as string, incidents: await desk.current(filter) };
}

const ACCEPTED: Record<string, string> = {
  incidentId: INCIDENT_ID_ACCEPTED,
  by: 'who does it, 1 to 200 characters',
  command: 'acknowledge or resolve',
};

export interface CommandSent {
  readonly command: PersonCommand['command'];
  readonly incidentId: string;
  readonly by: string;
  readonly messageId: string;
  /** The incident's state when the command was sent; the notify function applies the command in order. */
  readonly stateBefore: IncidentState;
}

/**
 * A person acknowledges or resolves an incident: the command goes on the alerts topic, where the notify
 * function that owns the incidents applies it in order with the anomalies and notifies it. Refused here
 * first when it is malformed or no open or acknowledged incident has that id.
 */
export async function commandIncident(desk: IncidentDesk, input: PersonCommand): Promise<CommandSent> {
  const parsed = alertCommand.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'command');
    const accepted = ACCEPTED[field] ?? issue?.message ?? 'invalid';
    throw invalid(field, `${field}: expected ${accepted}`);
  }
  const command = parsed.data as PersonCommand;
  const [incident] = await desk.current({
    incidentId: command.incidentId,
    states: ['open', 'acknowledged'],
    limit: 1,
  });
  if (!incident) throw notFound('incidentId', `no open or acknowledged incident has the id ${command.incidentId}`);
  const messageId = await desk.send(command);
  return { ...command, messageId, stateBefore: incident.state };
}
