import type { Bus, OutgoingMessage } from '../bus/port.js';
import { concat } from '../collections/concat.js';
import { encodeCleanPayload } from '../readings/clean-payload.js';
import type { ReadingRow } from '../warehouse/schema/tables.js';

/** Rows per message published to readings-clean: keeps each message far below Pub/Sub's limits. */
const CLEAN_ROWS_PER_MESSAGE = 1000;

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

interface Caller {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** One ordering key's rows waiting to go out, and whether a publish of the key is under way. */
interface KeyState {
  /** Each caller's rows as it gave them: usually each in order, and the callers' runs apart in time. */
  runs: ReadingRow[][];
  rowCount: number;
  callers: Caller[];
  timer: NodeJS.Timeout | undefined;
  publishing: boolean;
}

/**
 * Publishes stored rows to readings-clean. Rows that concurrent ingest calls store close together go out
 * together, one message per ordering key (up to CLEAN_ROWS_PER_MESSAGE rows), as Pub/Sub's client batches
 * requests: single-reading messages then cost the bus and the score function one delivery per batch, not
 * one per message. A key's rows wait up to `maxDelayMs` for company, and while a publish of the key is under
 * way (one at a time per key, so its batches keep their order), after which they go at once. Each caller
 * waits until the message holding its rows is published; a failed publish fails every caller whose rows it
 * held, and each one's redelivery publishes its rows again (the scorer skips values it has already seen).
 */
export class CleanPublisher {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly bus: Bus,
    private readonly maxDelayMs: number,
  ) {}

  publish(rows: readonly ReadingRow[]): Promise<void> {
    const byKey = groupByKey(rows);
    if (this.maxDelayMs <= 0) return this.send([...byKey].flatMap(([key, group]) => cleanMessages(key, [group])));
    return Promise.all([...byKey].map(([key, group]) => this.add(key, group))).then(() => undefined);
  }

  private add(key: string, rows: ReadingRow[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) {
        state = { runs: [], rowCount: 0, callers: [], timer: undefined, publishing: false };
        this.keys.set(key, state);
      }
      state.runs.push(rows);
      state.rowCount += rows.length;
      state.callers.push({ resolve, reject });
      if (state.publishing) return;
      if (state.rowCount >= CLEAN_ROWS_PER_MESSAGE) this.flush(key, state);
      else state.timer ??= setTimeout(() => this.flush(key, state), this.maxDelayMs);
    });
  }

  private flush(key: string, state: KeyState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    const { runs, callers } = state;
    if (callers.length === 0) {
      this.keys.delete(key);
      return;
    }
    state.runs = [];
    state.rowCount = 0;
    state.callers = [];
    state.publishing = true;
    this.send(cleanMessages(key, runs))
      .then(
        () => callers.forEach((c) => c.resolve()),
        (error: unknown) => callers.forEach((c) => c.reject(error)),
      )
      .finally(() => {
        state.publishing = false;
        // What arrived meanwhile has waited long enough.
        this.flush(key, state);
      });
  }

  private async send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length > 0) await this.bus.publish('readingsClean', messages);
  }
}

function groupByKey(rows: readonly ReadingRow[]): Map<string, ReadingRow[]> {
  const byKey = new Map<string, ReadingRow[]>();
  const keyOf = new Map<string, string>();
  for (const row of rows) {
    let key = keyOf.get(row.device_id);
    if (key === undefined) keyOf.set(row.device_id, (key = cleanOrderingKey(row.device_id)));
    const group = byKey.get(key);
    if (group) group.push(row);
    else byKey.set(key, [row]);
  }
  return byKey;
}

/**
 * By time (ISO strings of one form sort as times), then device: the rows of one reading end side by side even
 * when other devices' rows of that instant came between them (a device that sends each metric on its own).
 */
function byTimeThenDevice(a: ReadingRow, b: ReadingRow): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0;
}

function inOrder(rows: readonly ReadingRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (byTimeThenDevice(rows[i - 1]!, rows[i]!) > 0) return false;
  return true;
}

/**
 * The runs' rows by time, then device (stable, so a reading's metrics stay together). Concurrent ingest calls
 * finish in any order, but each call's rows are usually in order and apart in time from the others': ordering
 * the runs by their first row then leaves one pass to check, where sorting every row cost about a twentieth of
 * the event loop in the ingest bench.
 */
function inTimeOrder(runs: readonly ReadingRow[][]): ReadingRow[] {
  const byFirstRow = runs.length > 1 ? [...runs].sort((a, b) => byTimeThenDevice(a[0]!, b[0]!)) : runs;
  const rows = concat(byFirstRow);
  return inOrder(rows) ? rows : rows.sort(byTimeThenDevice);
}

/**
 * One key's rows as readings-clean messages (clean-payload.ts), never splitting one reading's metrics across two
 * messages. Split into several messages, the rows go in time order, so that a device's values leave in time order
 * across them too (the scorer counts a value older than one it has stepped `late`, and skips it); one message
 * needs no order: the scorer orders each series of a message itself.
 */
function cleanMessages(orderingKey: string, runs: readonly ReadingRow[][]): OutgoingMessage[] {
  const count = runs.reduce((n, run) => n + run.length, 0);
  const rows = count <= CLEAN_ROWS_PER_MESSAGE ? concat(runs) : inTimeOrder(runs);
  const messages: OutgoingMessage[] = [];
  for (let start = 0; start < rows.length;) {
    let end = Math.min(rows.length, start + CLEAN_ROWS_PER_MESSAGE);
    while (
      end < rows.length &&
      rows[end]!.device_id === rows[end - 1]!.device_id &&
      rows[end]!.ts === rows[end - 1]!.ts
    )
      end++;
    messages.push({
      data: encodeCleanPayload(rows.slice(start, end)),
      attributes: { kind: 'readings-clean' },
      orderingKey,
    });
    start = end;
  }
  return messages;
}
