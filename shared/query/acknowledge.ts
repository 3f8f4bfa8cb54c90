import { createHash } from 'node:crypto';
import type { AlertView } from '../warehouse/read-port.js';
import { alertAcks } from '../warehouse/schema/tables.js';
import type { QueryDeps } from './deps.js';
import { invalid, notFound } from './errors.js';
import { DAY_MS } from './time-range.js';

/** How far back an alert is looked for when the request does not give its time. */
export const ACK_SEARCH_MS = 400 * DAY_MS;

export interface AcknowledgeInput {
  readonly alertId: string;
  /** Who acknowledges: the caller's authenticated identity when there is one, else the name they give. */
  readonly by: string;
  readonly note?: string;
  /** The alert's time (from a listing): the lookup then reads one partition. */
  readonly ts?: string;
}

/**
 * Stores an acknowledgement (who, when, note) of an alert in alert_acks and answers the alert with it. An
 * alert can be acknowledged again (a later note); the latest acknowledgement is its state.
 */
export async function acknowledgeAlert(deps: QueryDeps, input: AcknowledgeInput): Promise<AlertView> {
  const nowMs = deps.now();
  let around = { from: new Date(nowMs - ACK_SEARCH_MS).toISOString(), to: new Date(nowMs + DAY_MS).toISOString() };
  if (input.ts !== undefined) {
    const ms = Date.parse(input.ts);
    if (Number.isNaN(ms)) throw invalid('ts', "ts must be the alert's RFC 3339 timestamp, as listed");
    around = { from: new Date(ms).toISOString(), to: new Date(ms + 1).toISOString() };
  }
  const alert = await deps.reader.alert(input.alertId, around);
  if (!alert) {
    throw notFound(
      'alertId',
      `no alert ${JSON.stringify(input.alertId)} in [${around.from}, ${around.to}); give the alert's ts when it is older`,
    );
  }
  const at = new Date(nowMs).toISOString();
  const ackId = createHash('sha256')
    .update(JSON.stringify([alert.alertId, input.by, at]))
    .digest('hex')
    .slice(0, 32);
  const row = alertAcks.row.parse({
    ack_id: ackId,
    alert_id: alert.alertId,
    alert_ts: alert.ts,
    device_id: alert.deviceId,
    acknowledged_by: input.by,
    acknowledged_at: at,
    note: input.note ?? null,
  });
  await deps.warehouse.insert(alertAcks, [row]);
  return { ...alert, acknowledgement: { by: input.by, at, note: input.note ?? null } };
}
