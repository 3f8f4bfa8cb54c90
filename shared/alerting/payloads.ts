import type { IncidentRow } from '../warehouse/schema/tables.js';
import { isStorm } from './incident-book.js';
import type { ChannelFormat } from './channels.js';

const VERB: Record<IncidentRow['change'], string> = {
  opened: 'opened',
  extended: 'continues',
  escalated: 'escalated',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  auto_resolved: 'resolved (normal again)',
  grouped: 'grouped',
};

/** One line for people: what, where, since when, how bad, who did what. */
export function incidentText(e: IncidentRow): string {
  const what = isStorm(e.kind)
    ? `${e.devices.length} devices of ${e.device_id.replace(/\/\*$/, '')}`
    : `${e.device_id} ${e.metric ?? ''}`.trim();
  const by = e.actor === 'kilowatch' ? '' : ` by ${e.actor}`;
  return (
    `[${e.severity.toUpperCase()}] ${e.kind} ${VERB[e.change]}${by}: ${what} since ${e.opened_at}, ` +
    `${e.anomalies} anomalies, peak score ${e.peak_score.toFixed(3)}. ${e.message} (incident ${e.incident_id})`
  );
}

/** The generic JSON body: the incident's state after the change, camelCase, with the notification's id. */
function jsonBody(e: IncidentRow, notificationId: string) {
  return {
    notificationId,
    text: incidentText(e),
    incident: {
      id: e.incident_id,
      version: e.version,
      state: e.state,
      change: e.change,
      severity: e.severity,
      kind: e.kind,
      deviceId: e.device_id,
      metric: e.metric,
      devices: e.devices,
      metrics: e.metrics,
      openedAt: e.opened_at,
      lastSeenAt: e.last_seen_at,
      resolvedAt: e.resolved_at,
      anomalies: e.anomalies,
      peakScore: e.peak_score,
      actor: e.actor,
      changedAt: e.changed_at,
      message: e.message,
    },
  };
}

/** The request body of a notification: Slack and Teams incoming webhooks both take `{ "text": ... }`. */
export function notificationBody(format: ChannelFormat, e: IncidentRow, notificationId: string): string {
  return JSON.stringify(format === 'chat' ? { text: incidentText(e) } : jsonBody(e, notificationId));
}
