import {
  commandIncident,
  currentIncidents,
  type CommandSent,
  type IncidentQuery,
} from '../alerting/incident-use-cases.js';
import type { PersonCommand } from '../alerting/desk.js';
import type { IncidentRow } from '../warehouse/schema/tables.js';
import type { QueryDeps } from './deps.js';

/** An incident as the API shows it: its latest row, in camelCase. */
export function incidentView(r: IncidentRow) {
  return {
    incidentId: r.incident_id,
    state: r.state,
    change: r.change,
    version: r.version,
    deviceId: r.device_id,
    metric: r.metric,
    kind: r.kind,
    severity: r.severity,
    devices: r.devices,
    metrics: r.metrics,
    anomalies: r.anomalies,
    peakScore: r.peak_score,
    message: r.message,
    openedAt: r.opened_at,
    lastSeenAt: r.last_seen_at,
    changedAt: r.changed_at,
    changedBy: r.actor,
    resolvedAt: r.resolved_at,
    groupId: r.group_id,
  };
}

/** GET /v1/incidents: what `kilowatch alerts list` shows, filtered. */
export async function listIncidentViews(deps: QueryDeps, query: IncidentQuery) {
  const { changedSince, incidents } = await currentIncidents(deps.incidents, query, deps.now());
  return { changedSince, items: incidents.map(incidentView) };
}

/** POST /v1/incidents/{id}/acknowledge|resolve: the command is sent to the notify function, which applies it. */
export function sendIncidentCommand(deps: QueryDeps, command: PersonCommand): Promise<CommandSent> {
  return commandIncident(deps.incidents, command);
}
