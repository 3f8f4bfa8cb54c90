import type { Bus } from '../bus/port.js';
import type { SiteBinding, SiteTopics } from '../devices/sites.js';
import { TransientError } from '../errors/transient.js';
import type { CleanResult, ReadingCleaner } from '../readings/clean/cleaner.js';
import type { HistoryCache } from '../readings/clean/history-cache.js';
import { PendingWrite } from '../readings/clean/pending-write.js';
import { decodeMessage, type DecodeLimits } from '../readings/decode.js';
import { rejectionId } from '../readings/ids.js';
import type { Warehouse } from '../warehouse/port.js';
import { readings as readingsTable, rejected as rejectedTable } from '../warehouse/schema/tables.js';
import type { DeviceState } from '../readings/clean/device-state.js';
import type { CleanPublisher } from './clean-publisher.js';
import type { Pacer } from './pacer.js';

export interface IngestDeps {
  readonly warehouse: Warehouse;
  /** Which site each readings topic is bound to. */
  readonly sites: SiteTopics;
  readonly bus: Bus;
  /** Stored rows to readings-clean, coalesced across concurrent calls. */
  readonly cleanPublisher: CleanPublisher;
  readonly cleaner: ReadingCleaner;
  readonly history: HistoryCache;
  readonly limits: DecodeLimits;
  /** Gives a burst of deliveries turns of the event loop between cleanings; absent: none. */
  readonly pacer?: Pacer;
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
        rejected_id: rejectionId(message.messageId, null, null),
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
  const states = await deps.history.ensure(deviceIds);
  try {
    const store = () => cleanAndStore(deps, message, decoded.readings, receivedAt, states);
    return { ...summary, ...(await (deps.pacer ? deps.pacer.run(store) : store())) };
  } finally {
    deps.history.done(states);
  }
}

/** The readings cleaned against the device states, stored, their rejections recorded and the rows published. */
async function cleanAndStore(
  deps: IngestDeps,
  message: IncomingMessage,
  readings: readonly unknown[],
  receivedAt: number,
  states: ReadonlyMap<string, DeviceState>,
): Promise<Pick<IngestSummary, 'stored' | 'rejected' | 'redelivered'>> {
  const stateOf = (id: string) => states.get(id) ?? deps.history.get(id);
  const older = deps.cleaner.olderThanHistory(readings, stateOf);
  // A lookup answers for what was stored when it ran, and the message's other devices were checked before it: the
  // histories forget nothing until the message is cleaned (DeviceState.hold), so what they hold now, and what
  // another delivery remembers meanwhile, stays known to this one.
  const held = older.size > 0 ? [...states.values()] : [];
  for (const state of held) state.hold();
  const write = new PendingWrite();
  try {
    let result: CleanResult;
    try {
      if (older.size > 0) await deps.history.lookUpOlder(older, stateOf);
      result = deps.cleaner.clean(
        readings,
        { messageId: message.messageId, receivedAt, binding: message.binding, write },
        stateOf,
      );
    } finally {
      for (const state of held) state.release();
    }
    // No wait between cleaning and the write below: a value the histories forget from now on is in a write queued
    // before any later lookup (the embedded warehouse runs them in order).
    // Rejections only once the readings are stored: a rejection judged against another message's value that
    // then failed to store would otherwise stay, and the redelivery, judged afresh, would add a second one.
    await deps.warehouse.insert(readingsTable, result.rows);
    write.settle(true);
    if (result.judgedAgainst) await allStored(result.judgedAgainst);
    await deps.warehouse.insert(rejectedTable, result.rejected);
    // A redelivery may follow a first delivery that stored but failed to publish: publish those again.
    await deps.cleanPublisher.publish([...result.rows, ...result.redelivered]);
    return {
      stored: result.rows.length,
      rejected: result.rejected.length,
      redelivered: result.redelivered.length,
    };
  } catch (error) {
    // Whatever failed (a lookup, the cleaning part-way, a write, the publish), the histories ran ahead of the
    // warehouse: forget them. A readings write not stored by now never will be, and deliveries judged against its
    // values fail with it rather than wait.
    write.settle(false);
    deps.history.invalidate(states.keys());
    throw error;
  }
}

/**
 * Waits for the writes a message was judged against. Readings writes wait for nothing, so no two messages
 * wait for each other. One that failed took its values with it: this delivery fails too, and its
 * redelivery is judged afresh against the history reloaded from the warehouse.
 */
async function allStored(writes: ReadonlySet<PendingWrite>): Promise<void> {
  const outcomes = await Promise.all([...writes].map((w) => w.outcome()));
  if (outcomes.includes(false))
    throw new TransientError(
      'judged against readings of another delivery whose warehouse write failed: deliver again to judge afresh',
    );
}
