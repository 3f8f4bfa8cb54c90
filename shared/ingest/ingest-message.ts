import type { Bus, OutgoingMessage } from '../bus/port.js';
import type { SiteBinding, SiteTopics } from '../devices/sites.js';
import type { ReadingCleaner } from '../readings/clean/cleaner.js';
import type { HistoryCache } from '../readings/clean/history-cache.js';
import { decodeMessage, type DecodeLimits } from '../readings/decode.js';
import { rejectionId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { readings as readingsTable, rejected as rejectedTable, type ReadingRow } from '../warehouse/schema/tables.js';

export interface IngestDeps {
  readonly warehouse: Warehouse;
  /** Which site each readings topic is bound to. */
  readonly sites: SiteTopics;
  readonly bus: Bus;
  readonly cleaner: ReadingCleaner;
  readonly history: HistoryCache;
  readonly limits: DecodeLimits;
  readonly now?: () => number;
}

export interface IncomingMessage {
  readonly messageId: string;
  readonly data: Uint8Array;
  readonly attributes?: Readonly<Record<string, string>>;
  /** The site whose topic delivered the message; absent for the shared readings topic. */
  readonly binding?: SiteBinding;
}

export interface IngestSummary {
  readonly messageId: string;
  readonly stored: number;
  readonly rejected: number;
  readonly redelivered: number;
  readonly deadLettered: boolean;
}

/** Rows per message published to readings-clean: keeps each message far below Pub/Sub's limits. */
const CLEAN_ROWS_PER_MESSAGE = 1000;

/**
 * One Pub/Sub message into the warehouse. Bad data is recorded (rejected table or dead-letter sink) and
 * the call resolves; anything that a retry may fix (warehouse or bus down) throws, so the message is
 * delivered again, and redelivery stores nothing twice.
 */
export async function ingestMessage(deps: IngestDeps, message: IncomingMessage): Promise<IngestSummary> {
  const receivedAt = (deps.now ?? Date.now)();
  const summary = { messageId: message.messageId, stored: 0, rejected: 0, redelivered: 0, deadLettered: false };
  const decoded = decodeMessage(message.data, deps.limits);
  if (decoded.kind === 'dead') {
    await deps.bus.deadLetter({
      reason: decoded.reason,
      raw: message.data,
      messageId: message.messageId,
      attributes: message.attributes,
    });
    return { ...summary, deadLettered: true };
  }
  if (decoded.kind === 'rejected') {
    await deps.warehouse.insert(rejectedTable, [
      {
        rejected_id: rejectionId(message.messageId, null, null, decoded.reason),
        message_id: message.messageId,
        reading_index: null,
        device_id: null,
        ts: null,
        metric: null,
        reason: decoded.reason,
        detail: decoded.detail,
        payload: decoded.payload,
        received_at: new Date(receivedAt).toISOString(),
      },
    ]);
    return { ...summary, rejected: 1 };
  }

  const deviceIds = deps.cleaner.deviceIds(decoded.readings);
  await deps.history.ensure(deviceIds);
  const stateOf = (id: string) => deps.history.get(id);
  const older = deps.cleaner.olderThanHistory(decoded.readings, stateOf);
  if (older.size > 0) await deps.history.lookUpOlder(older);
  const result = deps.cleaner.clean(
    decoded.readings,
    { messageId: message.messageId, receivedAt, binding: message.binding },
    stateOf,
  );
  try {
    await Promise.all([
      deps.warehouse.insert(readingsTable, result.rows),
      deps.warehouse.insert(rejectedTable, result.rejected),
    ]);
    // A redelivery may follow a first delivery that stored but failed to publish: publish those again.
    await publishClean(deps.bus, [...result.rows, ...result.redelivered]);
  } catch (error) {
    deps.history.invalidate(deviceIds);
    throw error;
  }
  return {
    ...summary,
    stored: result.rows.length,
    rejected: result.rejected.length,
    redelivered: result.redelivered.length,
  };
}

/**
 * readings-clean ordering keys: a device always maps to the same one of this many keys, so its messages
 * reach the scorer in publish order while up to this many go through at once. One key per device would cut
 * every ingest message into a small message per device (2.7x slower end to end with scoring, measured);
 * 8 matches the score function's concurrency (docs/BENCHMARKS.md has the figures for 4, 8, 16 and 32).
 */
const CLEAN_ORDERING_KEYS = 8;

/** FNV-1a of the device id, modulo the key count: stable across instances and releases. */
export function cleanOrderingKey(deviceId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) hash = Math.imul(hash ^ deviceId.charCodeAt(i), 0x01000193);
  return `devices-${(hash >>> 0) % CLEAN_ORDERING_KEYS}`;
}

/** Stored rows to readings-clean, grouped by ordering key, never splitting one reading's metrics across two messages. */
async function publishClean(bus: Bus, rows: readonly ReadingRow[]): Promise<void> {
  const byKey = new Map<string, ReadingRow[]>();
  const keyOf = new Map<string, string>();
  for (const row of rows) {
    let key = keyOf.get(row.device_id);
    if (key === undefined) keyOf.set(row.device_id, (key = cleanOrderingKey(row.device_id)));
    const group = byKey.get(key);
    if (group) group.push(row);
    else byKey.set(key, [row]);
  }
  const messages: OutgoingMessage[] = [];
  for (const [orderingKey, group] of byKey) {
    for (let start = 0; start < group.length;) {
      let end = Math.min(group.length, start + CLEAN_ROWS_PER_MESSAGE);
      while (
        end < group.length &&
        group[end]!.device_id === group[end - 1]!.device_id &&
        group[end]!.ts === group[end - 1]!.ts
      )
        end++;
      const chunk = group.slice(start, end).map((r) => ({
        readingId: r.reading_id,
        deviceId: r.device_id,
        ts: r.ts,
        metric: r.metric,
        value: r.value,
        unit: r.unit,
        flags: r.flags,
      }));
      messages.push({ data: JSON.stringify({ readings: chunk }), attributes: { kind: 'readings-clean' }, orderingKey });
      start = end;
    }
  }
  if (messages.length > 0) await bus.publish('readingsClean', messages);
}
