import type { Bus, OutgoingMessage } from '../bus/port.js';
import type { ReadingCleaner } from '../readings/clean/cleaner.js';
import type { HistoryCache } from '../readings/clean/history-cache.js';
import { decodeMessage, type DecodeLimits } from '../readings/decode.js';
import { rejectionId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { readings as readingsTable, rejected as rejectedTable, type ReadingRow } from '../warehouse/schema/tables.js';

export interface IngestDeps {
  readonly warehouse: Warehouse;
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
    await deps.bus.deadLetter({ reason: decoded.reason, raw: message.data, messageId: message.messageId, attributes: message.attributes });
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
  const result = deps.cleaner.clean(decoded.readings, { messageId: message.messageId, receivedAt }, stateOf);
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
  return { ...summary, stored: result.rows.length, rejected: result.rejected.length, redelivered: result.redelivered.length };
}

/**
 * Stored rows to readings-clean, one device per message with the device as ordering key (the scorer steps
 * each series in time order), never splitting one reading's metrics across two messages.
 */
async function publishClean(bus: Bus, rows: readonly ReadingRow[]): Promise<void> {
  const byDevice = new Map<string, ReadingRow[]>();
  for (const row of rows) {
    const group = byDevice.get(row.device_id);
    if (group) group.push(row);
    else byDevice.set(row.device_id, [row]);
  }
  const messages: OutgoingMessage[] = [];
  for (const [deviceId, group] of byDevice) {
    for (let start = 0; start < group.length; ) {
      let end = Math.min(group.length, start + CLEAN_ROWS_PER_MESSAGE);
      while (end < group.length && group[end]!.ts === group[end - 1]!.ts) end++;
      const chunk = group.slice(start, end).map((r) => ({
        readingId: r.reading_id,
        deviceId: r.device_id,
        ts: r.ts,
        metric: r.metric,
        value: r.value,
        unit: r.unit,
        flags: r.flags,
      }));
      messages.push({ data: JSON.stringify({ readings: chunk }), attributes: { kind: 'readings-clean' }, orderingKey: deviceId });
      start = end;
    }
  }
  if (messages.length > 0) await bus.publish('readingsClean', messages);
}
