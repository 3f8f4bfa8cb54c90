import { z } from 'zod';
import { readEnvelope } from '../bus/push-envelope.js';
import type { PushEvent } from '../ingest/handle-push.js';
import { log } from '../log/logger.js';
import { recommendMachines, type RecommendDeps } from './recommend-machines.js';

/** The daily tick: `{}` (the scheduler's body carries a kind) for now, or `{ "asOf": ISO | "latest" }`. */
const maintenanceTick = z.object({ asOf: z.union([z.iso.datetime({ offset: true }), z.literal('latest')]).optional() });

/** A maintenance tick into the use-case; an unreadable tick is logged and acknowledged (the next one comes anyway). */
export async function handleMaintenanceTick(deps: RecommendDeps, event: PushEvent): Promise<number> {
  const envelope = readEnvelope(event.data, event.id);
  let body: unknown;
  try {
    body = envelope.ok ? JSON.parse(Buffer.from(envelope.message.data).toString('utf8') || '{}') : undefined;
  } catch {
    body = undefined;
  }
  const tick = maintenanceTick.safeParse(body);
  if (!tick.success) {
    log.error('maintenance tick ignored: expected {} or { "asOf": "<ISO 8601>" | "latest" }', { eventId: event.id });
    return 0;
  }
  const rows = await recommendMachines(deps, { ...(tick.data.asOf ? { asOf: tick.data.asOf } : {}), store: true });
  log.info('maintenance recommendations', { eventId: event.id, machines: rows.length, atRisk: rows.filter((r) => r.risk >= 2).map((r) => r.device_id) });
  return rows.length;
}
