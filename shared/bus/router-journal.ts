import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { messageAttributes } from './push-envelope.js';

/** A published message as the journal keeps it, with the subscriptions that have not acknowledged it yet. */
export interface JournalMessage {
  readonly messageId: string;
  readonly topic: string;
  /** base64 */
  readonly data: string;
  readonly attributes: Record<string, string>;
  readonly publishTime: string;
  readonly orderingKey?: string;
  readonly subscriptions: readonly string[];
}

const record = z.union([
  z.object({
    p: z.object({
      messageId: z.string(),
      topic: z.string(),
      data: z.string(),
      attributes: messageAttributes,
      publishTime: z.string(),
      orderingKey: z.string().optional(),
      subscriptions: z.array(z.string()),
    }),
  }),
  z.object({ a: z.tuple([z.string(), z.string()]) }),
]);

/** The journal is rewritten with only what is unacknowledged once it passes this size (and is mostly acknowledged). */
const COMPACT_BYTES = 64 * 1024 * 1024;

interface Live {
  readonly message: JournalMessage;
  readonly remaining: Set<string>;
  /** Bytes of its record, counted in liveBytes. */
  readonly bytes: number;
}

/**
 * The local router's append-only journal: a message is acknowledged to its publisher only after its record is
 * on disk (fdatasync), and a subscription's acknowledgement is recorded after its delivery, so a restart
 * replays exactly what some subscription has not acknowledged, as Pub/Sub redelivers after an outage.
 * Appends made while a sync is under way share the next one (group commit). Once nothing is outstanding
 * the file is truncated; past COMPACT_BYTES, and more than twice what is outstanding, it is rewritten with
 * the outstanding messages only (so each byte appended is rewritten a bounded number of times).
 */
export class RouterJournal {
  private fd: number;
  private size = 0;
  private readonly live = new Map<string, Live>();
  /** Bytes the outstanding messages' records take: what a rewrite would write. */
  private liveBytes = 0;
  private buffered: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void; messageIds: string[] }> = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly compactBytes: number,
  ) {
    this.fd = openSync(path, 'a+');
  }

  /** Opens (or creates) the journal in `dir`; returns it with the messages left unacknowledged, in publish order. */
  static open(dir: string, compactBytes = COMPACT_BYTES): { journal: RouterJournal; unacknowledged: JournalMessage[] } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'router-journal.jsonl');
    const journal = new RouterJournal(path, compactBytes);
    // The file may have just been created: its name must be durable before a publish is answered.
    syncFolder(dir);
    journal.recover();
    const unacknowledged = [...journal.live.values()].map(({ message, remaining }) => ({
      ...message,
      subscriptions: [...remaining],
    }));
    return { journal, unacknowledged };
  }

  get bytes(): number {
    return this.size;
  }

  /** Records published messages; resolves once they are on disk. */
  publish(messages: readonly JournalMessage[]): Promise<void> {
    const messageIds: string[] = [];
    for (const message of messages) {
      // A topic without subscriptions keeps nothing, as in Pub/Sub.
      if (message.subscriptions.length === 0) continue;
      const line = JSON.stringify({ p: message });
      this.track(message, new Set(message.subscriptions), line.length + 1);
      this.buffered.push(line);
      messageIds.push(message.messageId);
    }
    // Nothing kept, nothing to wait for: no sync for a publish to a topic nobody subscribes to.
    if (messageIds.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, messageIds });
      this.schedule();
    });
  }

  /** Forgets messages whose publish failed: their publisher was refused, and a rewrite must not bring them back. */
  private untrack(messageIds: readonly string[]): void {
    for (const id of messageIds) {
      const live = this.live.get(id);
      if (!live) continue;
      this.live.delete(id);
      this.liveBytes -= live.bytes;
    }
  }

  /** Records that a subscription is done with a message (delivered or dead-lettered); synced with the next publish. */
  acknowledge(subscription: string, messageId: string): void {
    // After close (a drain that timed out) the acknowledgement is lost: the message is pushed again, at least once.
    if (this.closed) return;
    if (!this.settle(subscription, messageId)) return;
    this.buffered.push(JSON.stringify({ a: [subscription, messageId] }));
    this.schedule();
  }

  private track(message: JournalMessage, remaining: Set<string>, bytes: number): void {
    this.live.set(message.messageId, { message, remaining, bytes });
    this.liveBytes += bytes;
  }

  /** Removes a subscription from a message's outstanding ones; false when it was not outstanding. */
  private settle(subscription: string, messageId: string): boolean {
    const live = this.live.get(messageId);
    if (!live?.remaining.delete(subscription)) return false;
    if (live.remaining.size === 0) {
      this.live.delete(messageId);
      this.liveBytes -= live.bytes;
    }
    return true;
  }

  /** Writes and syncs what is buffered, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.schedule();
    while (this.flushing) await this.flushing;
    this.closed = true;
    closeSync(this.fd);
  }

  private schedule(): void {
    if (this.closed) throw new Error(`router journal ${this.path} is closed`);
    this.flushing ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    // One turn of the event loop lets concurrent publishes join this sync.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.buffered.length > 0 || this.waiters.length > 0) {
      const lines = this.buffered;
      const waiters = this.waiters;
      this.buffered = [];
      this.waiters = [];
      try {
        // The outstanding messages already reflect every buffered record: a rewrite replaces the append.
        if (this.live.size === 0) this.truncate();
        else if (this.size >= this.compactBytes && this.size > 2 * this.liveBytes) this.rewrite();
        else if (lines.length > 0) {
          const text = Buffer.from(`${lines.join('\n')}\n`);
          this.append(text);
          this.size += text.byteLength;
          // Only a publish waits for the disk: an acknowledgement lost in a crash means one more delivery.
          if (waiters.length > 0)
            await new Promise<void>((resolve, reject) => fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
        }
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) {
          this.untrack(w.messageIds);
          w.reject(error);
        }
      }
    }
    // In the same synchronous step as the last check: a record buffered from now on starts a new loop.
    this.flushing = undefined;
  }

  /**
   * Appends at the end of what is recorded. A write the disk takes only in part (full, over a size limit) is cut
   * off again and fails: a record cut in half would be acknowledged, then dropped by the next recovery, and
   * any record after it would make the journal unreadable.
   */
  private append(text: Buffer): void {
    let written = 0;
    try {
      written = writeSync(this.fd, text);
    } finally {
      if (written !== text.byteLength) ftruncateSync(this.fd, this.size);
    }
    if (written !== text.byteLength)
      throw new Error(`router journal ${this.path}: the disk took ${written} of ${text.byteLength} bytes`);
  }

  private truncate(): void {
    if (this.size === 0) return;
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.size = 0;
  }

  /** Writes the outstanding messages to a new file and renames it over the journal (atomic on POSIX). */
  private rewrite(): void {
    const lines = [...this.live.values()].map(({ message, remaining }) =>
      JSON.stringify({ p: { ...message, subscriptions: [...remaining] } }),
    );
    const text = Buffer.from(`${lines.join('\n')}\n`);
    const tmp = `${this.path}.compacting`;
    const fd = openSync(tmp, 'w');
    try {
      const written = writeSync(fd, text);
      // A partial copy must never replace the journal.
      if (written !== text.byteLength)
        throw new Error(`router journal ${tmp}: the disk took ${written} of ${text.byteLength} bytes`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    // The rename is in the folder's metadata: without this, a crash could bring the old journal back.
    syncFolder(dirname(this.path));
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a+');
    fsyncSync(this.fd);
    this.size = text.byteLength;
  }

  /** Rebuilds the outstanding messages; a last line cut short by a crash (never acknowledged) is cut off. */
  private recover(): void {
    const text = readFileSync(this.path, 'utf8');
    let offset = 0;
    while (offset < text.length) {
      const end = text.indexOf('\n', offset);
      const line = end === -1 ? text.slice(offset) : text.slice(offset, end);
      const parsed = end === -1 ? undefined : parseRecord(line);
      if (!parsed) {
        if (end !== -1 && text.indexOf('\n', end + 1) !== -1) {
          throw new Error(
            `router journal ${this.path}: unreadable record at byte ${Buffer.byteLength(text.slice(0, offset))}`,
          );
        }
        break;
      }
      if ('p' in parsed) {
        const { orderingKey, ...rest } = parsed.p;
        this.track({ ...rest, ...(orderingKey ? { orderingKey } : {}) }, new Set(rest.subscriptions), line.length + 1);
      } else {
        this.settle(...parsed.a);
      }
      offset = end + 1;
    }
    const kept = Buffer.byteLength(text.slice(0, offset));
    if (kept < statSync(this.path).size) ftruncateSync(this.fd, kept);
    this.size = kept;
  }
}

/** fsync of a folder: makes the names created or renamed in it durable (POSIX). */
function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseRecord(line: string): z.infer<typeof record> | undefined {
  try {
    const parsed = record.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
