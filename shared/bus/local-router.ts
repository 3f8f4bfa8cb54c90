import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { log } from '../log/logger.js';
import type { DeadLetterFile } from './dead-letter-sink.js';
import { PushClient } from './push-client.js';
import { messageAttributes, pushBody, type PushedMessage } from './push-envelope.js';
import { RouterJournal, type JournalMessage } from './router-journal.js';

export interface PushSubscription {
  readonly name: string;
  readonly topic: string;
  /** URL of the function the messages are pushed to, as CloudEvents. */
  readonly endpoint: string;
  readonly maxAttempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Deliveries in flight at once, like Pub/Sub's flow control. */
  readonly concurrency: number;
  /**
   * Pub/Sub's enable_message_ordering: messages that share an ordering key are pushed one at a time, in
   * publish order; the next waits until the one before is acknowledged or dead-lettered.
   */
  readonly ordered?: boolean;
}

export interface RouterOptions {
  readonly project: string;
  readonly subscriptions: readonly PushSubscription[];
  /** Topic whose messages are dead letters published by the functions. */
  readonly deadLetterTopic: string;
  readonly deadLetters: DeadLetterFile;
  /** Extra GET routes answering JSON (the local host's status pages). */
  readonly routes?: Readonly<Record<string, (url: URL) => Promise<unknown>>>;
  /** Every topic that exists; a publish elsewhere is answered 404 NOT_FOUND. Default: the subscriptions' and the dead-letter topic. */
  readonly topics?: readonly string[];
  /**
   * Folder of the journal (router-journal.ts): a publish is answered once its messages are on disk, and
   * what no subscriber acknowledged is pushed again after a restart. Without it, messages live in memory.
   */
  readonly journalDir?: string;
  /**
   * Flow control: once this many deliveries (or bytes of them) wait, publishes are answered 429
   * RESOURCE_EXHAUSTED, which Pub/Sub's client libraries retry with backoff.
   */
  readonly maxBacklog?: { readonly messages: number; readonly bytes: number };
  /**
   * Topics the hosted functions publish to while handling a delivery: never refused (refusing would turn a
   * full backlog into failed deliveries and dead letters), bounded because their publishers' own topics are.
   */
  readonly internalTopics?: readonly string[];
  /** How long close() waits for deliveries in flight; the rest stays in the journal. Default 30 s. */
  readonly drainTimeoutMs?: number;
}

interface Delivery extends PushedMessage {
  readonly sub: PushSubscription;
  /** Bytes of the data (the backlog's bound counts them). */
  readonly bytes: number;
  attempt: number;
}

/** A publish the router refuses, with Pub/Sub's HTTP code and status. */
export class PublishRefused extends Error {
  constructor(
    readonly code: 400 | 404 | 429 | 503,
    readonly status: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'RESOURCE_EXHAUSTED' | 'UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

interface IncomingPublish {
  readonly data: Uint8Array;
  readonly attributes?: Record<string, string>;
  readonly orderingKey?: string;
}

/**
 * A message as the router keeps it: its bytes base64-encoded once, as the journal, every push and a dead
 * letter carry them (a publish over REST arrives so), and their count for the backlog's bound.
 */
interface Accepted {
  readonly dataBase64: string;
  readonly bytes: number;
  readonly attributes?: Record<string, string>;
  readonly orderingKey?: string;
}

const MAX_PUBLISH_BYTES = 10 * 1024 * 1024;

// Pub/Sub's REST publish request, as documented for projects.topics.publish.
const publishRequest = z.object({
  messages: z
    .array(
      z
        .object({
          // Pub/Sub decodes `bytes` fields as standard or URL-safe base64 and refuses anything else (400):
          // Buffer.from would skip the other characters and store bytes the publisher never sent.
          data: z
            .string()
            .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'data must be base64')
            .optional(),
          attributes: messageAttributes.optional(),
          orderingKey: z.string().optional(),
        })
        .refine(
          (m) => (m.data ?? '').length > 0 || Object.keys(m.attributes ?? {}).length > 0,
          'a message must contain either non-empty data or at least one attribute',
        ),
    )
    .min(1)
    .max(1000),
});

/**
 * Stands in for Pub/Sub on a laptop: accepts publishes over Pub/Sub's REST API (so the real client
 * library publishes to it) and pushes each message to the subscribed functions as a binary-mode
 * CloudEvent, the way Eventarc delivers to Cloud Run functions, retrying with exponential backoff and
 * dead-lettering after the last attempt.
 */
export class LocalPushRouter {
  private readonly prefix = randomBytes(3).toString('hex');
  private sequence = 0;
  private readonly queues = new Map<string, Delivery[]>();
  private readonly inFlight = new Map<string, number>();
  /** Ordered subscriptions: per "subscription key", the deliveries waiting behind the one under way. */
  private readonly heldBack = new Map<string, Delivery[]>();
  private readonly attempts = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly topics: ReadonlySet<string>;
  private readonly journal: RouterJournal | undefined;
  private readonly pushClient = new PushClient();
  private pending = 0;
  private pendingBytes = 0;
  private idleWaiters: Array<() => void> = [];
  private server: Server | undefined;
  private stopping: Promise<void> | undefined;
  readonly stats = { published: 0, delivered: 0, retried: 0, deadLettered: 0, refused: 0, replayed: 0 };

  constructor(private readonly options: RouterOptions) {
    this.topics = new Set(options.topics ?? [...options.subscriptions.map((s) => s.topic), options.deadLetterTopic]);
    if (options.journalDir) {
      const { journal, unacknowledged } = RouterJournal.open(options.journalDir);
      this.journal = journal;
      this.replay(unacknowledged);
    }
  }

  /** Accepts messages (durably once the journal has synced them) and returns their ids; refusals throw PublishRefused. */
  publish(topic: string, messages: readonly IncomingPublish[]): string[] {
    const { messageIds, durable } = this.accept(
      topic,
      messages.map(({ data, ...rest }) => ({
        ...rest,
        dataBase64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
        bytes: data.byteLength,
      })),
    );
    durable.catch((error: unknown) => {
      log.error('router journal write failed; messages not delivered', { topic, error: (error as Error).message });
    });
    return messageIds;
  }

  /** Resolves once every published message is delivered or dead-lettered. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pendingDeliveries(): number {
    return this.pending;
  }

  private accept(topic: string, messages: readonly Accepted[]): { messageIds: string[]; durable: Promise<void> } {
    const internal = topic === this.options.deadLetterTopic || (this.options.internalTopics ?? []).includes(topic);
    if (!this.topics.has(topic)) throw new PublishRefused(404, 'NOT_FOUND', `Resource not found (resource=${topic}).`);
    if (this.stopping && !internal)
      throw new PublishRefused(
        503,
        'UNAVAILABLE',
        'the local router is shutting down; publish again after it restarts',
      );
    const max = this.options.maxBacklog;
    if (max && !internal && (this.pending >= max.messages || this.pendingBytes >= max.bytes)) {
      this.stats.refused += messages.length;
      throw new PublishRefused(
        429,
        'RESOURCE_EXHAUSTED',
        `backlog full: ${this.pending} deliveries (${this.pendingBytes} bytes) wait, limits ${max.messages} / ${max.bytes} ` +
          '(KILOWATCH_ROUTER_MAX_BACKLOG, KILOWATCH_ROUTER_MAX_BACKLOG_BYTES); retry with backoff',
      );
    }
    const publishTime = new Date().toISOString();
    const subscriptions = this.options.subscriptions.filter((sub) => sub.topic === topic);
    const records: JournalMessage[] = [];
    const deliveries: Delivery[] = [];
    const messageIds = messages.map((m) => {
      const messageId = `${this.prefix}${(++this.sequence).toString().padStart(10, '0')}`;
      this.stats.published++;
      const attributes = m.attributes ?? {};
      if (topic === this.options.deadLetterTopic) {
        this.deadLetter(messageId, attributes.reason ?? 'dead letter', m.dataBase64, attributes);
        return messageId;
      }
      const orderingKey = m.orderingKey ? { orderingKey: m.orderingKey } : {};
      records.push({
        messageId,
        topic,
        data: m.dataBase64,
        attributes,
        publishTime,
        subscriptions: subscriptions.map((s) => s.name),
        ...orderingKey,
      });
      for (const sub of subscriptions)
        deliveries.push(
          this.track({
            sub,
            messageId,
            dataBase64: m.dataBase64,
            bytes: m.bytes,
            attributes,
            publishTime,
            attempt: 0,
            ...orderingKey,
          }),
        );
      return messageId;
    });
    const durable = (this.journal?.publish(records) ?? Promise.resolve()).then(
      () => deliveries.forEach((d) => this.enqueue(d)),
      (error: unknown) => {
        deliveries.forEach((d) => this.release(d));
        throw error;
      },
    );
    return { messageIds, durable };
  }

  /** Pushes again what the journal holds unacknowledged from before a restart, in publish order. */
  private replay(messages: readonly JournalMessage[]): void {
    for (const m of messages) {
      for (const name of m.subscriptions) {
        const sub = this.options.subscriptions.find((s) => s.name === name && s.topic === m.topic);
        // A subscription this router does not serve now keeps its messages in the journal until it returns.
        if (!sub) continue;
        this.stats.replayed++;
        const { messageId, attributes, publishTime, orderingKey } = m;
        this.enqueue(
          this.track({
            sub,
            messageId,
            dataBase64: m.data,
            bytes: base64Bytes(m.data),
            attributes,
            publishTime,
            attempt: 0,
            ...(orderingKey ? { orderingKey } : {}),
          }),
        );
      }
    }
    if (this.stats.replayed > 0)
      log.info('router replays unacknowledged messages from its journal', { deliveries: this.stats.replayed });
  }

  private track(delivery: Delivery): Delivery {
    this.pending++;
    this.pendingBytes += delivery.bytes;
    return delivery;
  }

  /** A delivery leaves the backlog: settled, or left in the journal for the next start. */
  private release(delivery: Delivery): void {
    this.pending--;
    this.pendingBytes -= delivery.bytes;
    if (this.pending === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private enqueue(delivery: Delivery): void {
    const key = orderKey(delivery);
    if (key !== undefined) {
      const waiting = this.heldBack.get(key);
      if (waiting) return void waiting.push(delivery);
      this.heldBack.set(key, []);
    }
    this.requeue(delivery);
  }

  private requeue(delivery: Delivery): void {
    const queue = this.queues.get(delivery.sub.name) ?? [];
    queue.push(delivery);
    this.queues.set(delivery.sub.name, queue);
    this.pump(delivery.sub);
  }

  private pump(sub: PushSubscription): void {
    const queue = this.queues.get(sub.name);
    while (!this.stopping && queue && queue.length > 0 && (this.inFlight.get(sub.name) ?? 0) < sub.concurrency) {
      const delivery = queue.shift() as Delivery;
      this.inFlight.set(sub.name, (this.inFlight.get(sub.name) ?? 0) + 1);
      const attempt = this.attempt(delivery).finally(() => {
        this.attempts.delete(attempt);
        this.inFlight.set(sub.name, (this.inFlight.get(sub.name) ?? 1) - 1);
        this.pump(sub);
      });
      this.attempts.add(attempt);
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    d.attempt++;
    let failure: string;
    try {
      const status = await this.pushClient.post(
        d.sub.endpoint,
        {
          'ce-specversion': '1.0',
          'ce-id': d.messageId,
          'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
          'ce-source': `//pubsub.googleapis.com/projects/${this.options.project}/topics/${d.sub.topic}`,
          'ce-time': d.publishTime,
          'ce-subscription': d.sub.name,
        },
        JSON.stringify(pushBody(`projects/${this.options.project}/subscriptions/${d.sub.name}`, d)),
      );
      if (status >= 200 && status < 300) {
        this.stats.delivered++;
        this.settle(d);
        return;
      }
      failure = `HTTP ${status}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    // A shutdown never dead-letters: the message stays in the journal and is pushed again after the restart.
    if (this.stopping) {
      this.release(d);
      return;
    }
    if (d.attempt >= d.sub.maxAttempts) {
      try {
        this.deadLetter(
          d.messageId,
          `delivery_failed: ${d.attempt} attempts to ${d.sub.name}, last: ${failure}`,
          d.dataBase64,
          d.attributes,
        );
        this.settle(d);
        return;
      } catch (error) {
        // The sink refused it (disk full): the message stays pending and is tried again, never dropped.
        failure = `${failure}; dead-lettering failed: ${(error as Error).message}`;
        log.error('dead letter not written; the message stays pending', { messageId: d.messageId, failure });
      }
    }
    this.stats.retried++;
    const backoff = Math.min(d.sub.maxBackoffMs, d.sub.minBackoffMs * 2 ** (d.attempt - 1));
    log.warn('push delivery failed; retrying', {
      subscription: d.sub.name,
      messageId: d.messageId,
      attempt: d.attempt,
      failure,
      backoffMs: backoff,
    });
    // The retry waits outside the concurrency slot, as Pub/Sub's backoff does; it is still pending.
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.requeue(d);
    }, backoff);
    this.retryTimers.add(timer);
  }

  private deadLetter(messageId: string, reason: string, dataBase64: string, attributes: Record<string, string>): void {
    this.options.deadLetters.append({ at: new Date().toISOString(), reason, messageId, attributes, dataBase64 });
    this.stats.deadLettered++;
  }

  private settle(d: Delivery): void {
    this.journal?.acknowledge(d.sub.name, d.messageId);
    const key = orderKey(d);
    if (key !== undefined) {
      // The key's next message goes out only now, as Pub/Sub does for ordered push subscriptions.
      const waiting = this.heldBack.get(key) ?? [];
      const next = waiting.shift();
      if (next) this.requeue(next);
      else this.heldBack.delete(key);
    }
    this.release(d);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        answer(res, 500, { error: { code: 500, message: (error as Error).message, status: 'INTERNAL' } });
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = req.method === 'GET' ? this.options.routes?.[url.pathname] : undefined;
    if (route) {
      answer(res, 200, await route(url));
      return;
    }
    const publish = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):publish$/.exec(url.pathname);
    if (req.method !== 'POST' || !publish) {
      answer(res, 404, {
        error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' },
      });
      return;
    }
    const body = await readBody(req, MAX_PUBLISH_BYTES);
    if (body === undefined) {
      answer(res, 413, {
        error: { code: 413, message: `request over ${MAX_PUBLISH_BYTES} bytes`, status: 'INVALID_ARGUMENT' },
      });
      return;
    }
    let parsed;
    try {
      parsed = publishRequest.safeParse(JSON.parse(body.toString('utf8')));
    } catch {
      answer(res, 400, { error: { code: 400, message: 'body is not JSON', status: 'INVALID_ARGUMENT' } });
      return;
    }
    if (!parsed.success) {
      answer(res, 400, {
        error: { code: 400, message: describeIssue(parsed.error.issues[0]), status: 'INVALID_ARGUMENT' },
      });
      return;
    }
    const topic = decodedTopic(publish[2] as string);
    if (topic === undefined) {
      answer(res, 400, {
        error: { code: 400, message: 'the topic name is not valid percent-encoding', status: 'INVALID_ARGUMENT' },
      });
      return;
    }
    try {
      const { messageIds, durable } = this.accept(
        topic,
        parsed.data.messages.map((m) => ({
          ...canonicalBase64(m.data ?? ''),
          ...(m.attributes ? { attributes: m.attributes } : {}),
          ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
        })),
      );
      await durable;
      answer(res, 200, { messageIds });
    } catch (error) {
      if (!(error instanceof PublishRefused)) {
        answer(res, 503, {
          error: { code: 503, message: `not stored: ${(error as Error).message}`, status: 'UNAVAILABLE' },
        });
        return;
      }
      answer(res, error.code, { error: { code: error.code, message: error.message, status: error.status } });
    }
  }

  /**
   * Stops: refuses new publishes from outside (internal ones, from deliveries still in flight, are kept), lets
   * deliveries in flight finish (up to drainTimeoutMs), and leaves everything unacknowledged in the journal.
   */
  close(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.attempts]),
      new Promise((resolve) => (timeout = setTimeout(resolve, this.options.drainTimeoutMs ?? 30_000))),
    ]);
    clearTimeout(timeout);
    await this.journal?.close();
    this.pushClient.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}

/** The count of bytes a canonical base64 text decodes to. */
function base64Bytes(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * Published data as the router keeps it: base64 in its canonical form is kept as it came (no decode and
 * encode again); the other forms Pub/Sub reads (URL-safe, unpadded) are decoded
 * and encoded, as before.
 */
function canonicalBase64(text: string): { dataBase64: string; bytes: number } {
  // The request schema has checked the alphabet: only the URL-safe characters and the padding are left to see.
  if (text.length % 4 === 0 && !text.includes('-') && !text.includes('_'))
    return { dataBase64: text, bytes: base64Bytes(text) };
  const data = Buffer.from(text, 'base64');
  return { dataBase64: data.toString('base64'), bytes: data.byteLength };
}

/** The topic of a publish path, or undefined when it is not valid percent-encoding. */
function decodedTopic(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

function orderKey(d: Delivery): string | undefined {
  return d.sub.ordered && d.orderingKey ? `${d.sub.name}\u0000${d.orderingKey}` : undefined;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body, or undefined past `limit`: the rest is read and dropped, so the keep-alive connection stays usable. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}
