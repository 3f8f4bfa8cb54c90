import { z } from 'zod';
import type { AlertRow } from '../warehouse/schema/tables.js';

/** An anomaly as the score function and drift watch publish it (alertPublication). */
export const anomalyMessage = z.object({
  alertId: z.string().min(1).max(200),
  deviceId: z.string().min(1).max(300),
  ts: z.iso.datetime({ offset: true }),
  metric: z.string().max(200).nullable(),
  kind: z.string().min(1).max(64),
  severity: z.string(),
  message: z.string().max(4000),
  score: z.number().min(0).max(1).nullable(),
  createdAt: z.string(),
});

/** An alerts row as published on the alerts topic: the row in camelCase (alertId lets consumers drop repeats). */
export function alertPublication(a: AlertRow): { data: string; attributes: Record<string, string> } {
  const message: z.infer<typeof anomalyMessage> = {
    alertId: a.alert_id,
    deviceId: a.device_id,
    ts: a.ts,
    metric: a.metric,
    kind: a.kind,
    severity: a.severity,
    message: a.message,
    score: a.score,
    createdAt: a.created_at,
  };
  return { data: JSON.stringify(message), attributes: { kind: a.kind, severity: a.severity, deviceId: a.device_id } };
}

const actor = z.string().trim().min(1).max(200);
/** An incident's id as listed (`kilowatch alerts list`, GET /v1/incidents). */
export const INCIDENT_ID_PATTERN = /^[0-9a-f]{32}$/;
export const INCIDENT_ID_ACCEPTED = 'an incident id (32 lowercase hex digits, as listed)';
const incidentId = z.string().regex(INCIDENT_ID_PATTERN, INCIDENT_ID_ACCEPTED);

/**
 * What else the alerts topic carries, for the notify function that owns the incidents: the scheduler's
 * sweep (auto-resolution, notification retries) and people's acknowledgements and resolutions.
 */
export const alertCommand = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('sweep') }),
  z.strictObject({ command: z.literal('acknowledge'), incidentId, by: actor }),
  z.strictObject({ command: z.literal('resolve'), incidentId, by: actor }),
]);
export type AlertCommand = z.infer<typeof alertCommand>;

export type AlertsTopicMessage =
  | { readonly ok: true; readonly anomaly: z.infer<typeof anomalyMessage> }
  | { readonly ok: true; readonly command: AlertCommand }
  | { readonly ok: false; readonly reason: string };

const EXPECTED =
  'an anomaly { alertId, deviceId, ts, metric, kind, severity, message, score, createdAt } or a command ' +
  '{ "command": "sweep" | "acknowledge" | "resolve", "incidentId", "by" }';

export function decodeAlertsMessage(data: Uint8Array): AlertsTopicMessage {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return { ok: false, reason: `not JSON: expected ${EXPECTED}` };
  }
  if (typeof body === 'object' && body !== null && 'command' in body) {
    const command = alertCommand.safeParse(body);
    if (command.success) return { ok: true, command: command.data };
    return {
      ok: false,
      reason: `invalid command: ${command.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; ')}`,
    };
  }
  const anomaly = anomalyMessage.safeParse(body);
  if (anomaly.success) return { ok: true, anomaly: anomaly.data };
  return {
    ok: false,
    reason: `invalid alert: ${anomaly.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}; expected ${EXPECTED}`,
  };
}
