import { z } from 'zod';
import { readEnvelope } from '../bus/push-envelope.js';
import type { PushEvent } from '../ingest/handle-push.js';
import { log } from '../log/logger.js';
import type { RollupStore } from './port.js';
import { runRollups, type LevelRun } from './run-rollups.js';

export interface RollupTickDeps {
  readonly store: RollupStore;
  readonly lateHours: number;
  readonly maxDays: number;
  readonly now: () => number;
}

/** The scheduler's tick: `{}` (its body carries a kind), or `{ "from": ISO }` to recompute after an old backfill. */
const rollupTick = z.object({ from: z.iso.datetime({ offset: true }).optional() });

/** Reads a tick's JSON body; undefined when it is not JSON. */
export function tickBody(event: PushEvent): unknown {
  const envelope = readEnvelope(event.data, event.id);
  try {
    return envelope.ok ? JSON.parse(Buffer.from(envelope.message.data).toString('utf8') || '{}') : undefined;
  } catch {
    return undefined;
  }
}

/** A roll-up tick into the use-case; an unreadable tick is logged and acknowledged (the next one comes anyway). */
export async function handleRollupTick(deps: RollupTickDeps, event: PushEvent): Promise<LevelRun[]> {
  const tick = rollupTick.safeParse(tickBody(event));
  if (!tick.success) {
    log.error('rollup tick ignored: expected {} or { "from": "<ISO 8601>" }', { eventId: event.id });
    return [];
  }
  const runs = await runRollups(deps.store, {
    now: new Date(deps.now()),
    lateHours: deps.lateHours,
    maxDays: deps.maxDays,
    ...(tick.data.from ? { from: tick.data.from } : {}),
  });
  log.info('rollups', { eventId: event.id, runs });
  return runs;
}
