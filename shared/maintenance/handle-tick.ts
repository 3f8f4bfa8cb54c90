import { z } from 'zod';
import { readEnvelope } from '../bus/push-envelope.js';
import type { PushEvent } from '../ingest/handle-push.js';
import { log } from '../log/logger.js';
import { watchDrift, type DriftDeps } from '../drift/watch.js';
import { recommendMachines, type RecommendDeps } from './recommend-machines.js';

/** The daily operations checks: maintenance recommendations per machine, drift watch per served model. */
export interface MaintenanceTickDeps {
  readonly recommend: RecommendDeps;
  readonly drift: DriftDeps;
}

/** The daily tick: `{}` (the scheduler's body carries a kind) for now, or `{ "asOf": ISO | "latest" }`. */
const maintenanceTick = z.object({ asOf: z.union([z.iso.datetime({ offset: true }), z.literal('latest')]).optional() });

/** A maintenance tick into the use-case; an unreadable tick is logged and acknowledged (the next one comes anyway). */
export async function handleMaintenanceTick(deps: MaintenanceTickDeps, event: PushEvent): Promise<number> {
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
  const asOf = tick.data.asOf;
  const rows = await recommendMachines(deps.recommend, { ...(asOf ? { asOf } : {}), store: true });
  log.info('maintenance recommendations', {
    eventId: event.id,
    machines: rows.length,
    atRisk: rows.filter((r) => r.risk >= 2).map((r) => r.device_id),
  });
  // Drift windows end now, or at the tick's time; `latest` is a per-machine notion that models do not share.
  const health = await watchDrift(deps.drift, { ...(asOf && asOf !== 'latest' ? { asOf } : {}), store: true });
  log.info('drift watch', {
    eventId: event.id,
    checked: health.length,
    retrain: health.filter((h) => h.retrain_recommended).map((h) => h.model),
  });
  return rows.length;
}
