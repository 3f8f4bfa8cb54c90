import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Bus, Destination } from '../bus/port.js';
import type { WireReading } from '../readings/wire.js';

/**
 * Groups readings into published messages `{ "readings": [...] }`: at most `batch` readings and at most
 * `maxBytes` of JSON each, the limits the ingest function enforces.
 */
export class MessageBatcher {
  private parts: string[] = [];
  private bytes = 0;
  private static readonly FRAME = Buffer.byteLength('{"readings":[]}');

  constructor(
    private readonly batch: number,
    private readonly maxBytes: number,
  ) {}

  /** Adds a reading; returns the messages it completed (none, or one, or two when batch is 1 and bytes ran out). */
  add(reading: WireReading): string[] {
    const json = JSON.stringify(reading);
    const size = Buffer.byteLength(json) + 1;
    if (MessageBatcher.FRAME + size > this.maxBytes) {
      throw new Error(
        `a reading of ${size} bytes does not fit a message of at most ${this.maxBytes} bytes (KILOWATCH_MAX_MESSAGE_BYTES)`,
      );
    }
    const done: string[] = [];
    if (this.parts.length > 0 && MessageBatcher.FRAME + this.bytes + size > this.maxBytes)
      done.push(this.flush() as string);
    this.parts.push(json);
    this.bytes += size;
    if (this.parts.length >= this.batch) done.push(this.flush() as string);
    return done;
  }

  /** The message of the readings not yet sent, if any. */
  flush(): string | undefined {
    if (this.parts.length === 0) return undefined;
    const message = `{"readings":[${this.parts.join(',')}]}`;
    this.parts = [];
    this.bytes = 0;
    return message;
  }
}

/** Lines to a file, honouring back-pressure so that a long run never holds its output in memory. */
export class LineWriter {
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (error) => {
      this.failed = error;
    });
  }

  async write(line: string): Promise<void> {
    this.check();
    if (!this.stream.write(`${line}\n`)) await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error')]);
    this.check();
  }

  async close(): Promise<void> {
    if (!this.stream.closed) {
      this.stream.end();
      await once(this.stream, 'close').catch(() => undefined);
    }
    this.check();
  }

  private check(): void {
    if (this.failed) throw new Error(`${this.path}: ${this.failed.message}`);
  }
}

/** Publishes messages to `to` (the shared `readings` topic or a site's), paced to `messagesPerSecond` (0: as fast as the bus accepts). */
export class PacedPublisher {
  private pending: string[] = [];
  private sent = 0;
  private readonly started = Date.now();
  /** Messages handed to the bus per call when unpaced: the client batches them into few requests. */
  private static readonly GROUP = 16;

  constructor(
    private readonly bus: Bus,
    private readonly messagesPerSecond: number,
    private readonly to: Destination = 'readings',
  ) {}

  get published(): number {
    return this.sent;
  }

  async publish(message: string): Promise<void> {
    this.pending.push(message);
    if (this.messagesPerSecond > 0 || this.pending.length >= PacedPublisher.GROUP) await this.drain();
  }

  async drain(): Promise<void> {
    if (this.pending.length === 0) return;
    const messages = this.pending.map((data) => ({ data }));
    this.pending = [];
    await this.bus.publish(this.to, messages);
    this.sent += messages.length;
    if (this.messagesPerSecond > 0) {
      const due = this.started + (this.sent * 1000) / this.messagesPerSecond - Date.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
  }
}
