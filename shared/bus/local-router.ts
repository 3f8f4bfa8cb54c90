import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { log } from '../log/logger.js';
import type { DeadLetterFile } from './dead-letter-sink.js';
import { pushBody, type PushedMessage } from './push-envelope.js';

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
  readonly routes?: Readonly<Record<string, (query: URLSearchParams) => Promise<unknown>>>;
}

interface Delivery extends PushedMessage {
  readonly sub: PushSubscription;
  attempt: number;
}

const MAX_PUBLISH_BYTES = 10 * 1024 * 1024;

// Pub/Sub's REST publish request, as documented for projects.topics.publish.
const publishRequest = z.object({
  messages: z
    .array(
      z.object({
        data: z.string().optional(),
        attributes: z.record(z.string(), z.string()).optional(),
        orderingKey: z.string().optional(),
      }),
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
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private server: Server | undefined;
  private closed = false;
  readonly stats = { published: 0, delivered: 0, retried: 0, deadLettered: 0 };

  constructor(private readonly options: RouterOptions) {}

  publish(topic: string, messages: ReadonlyArray<{ data: Uint8Array; attributes?: Record<string, string>; orderingKey?: string }>): string[] {
    const publishTime = new Date().toISOString();
    return messages.map((m) => {
      const messageId = `${this.prefix}${(++this.sequence).toString().padStart(10, '0')}`;
      this.stats.published++;
      const attributes = m.attributes ?? {};
      if (topic === this.options.deadLetterTopic) {
        this.deadLetter(messageId, attributes.reason ?? 'dead letter', m.data, attributes);
        return messageId;
      }
      for (const sub of this.options.subscriptions) {
        if (sub.topic !== topic) continue;
        this.enqueue({ sub, messageId, data: m.data, attributes, publishTime, attempt: 0, ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}) });
      }
      return messageId;
    });
  }

  /** Resolves once every published message is delivered or dead-lettered. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pendingDeliveries(): number {
    return this.pending;
  }

  private enqueue(delivery: Delivery): void {
    this.pending++;
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
    while (queue && queue.length > 0 && (this.inFlight.get(sub.name) ?? 0) < sub.concurrency) {
      const delivery = queue.shift() as Delivery;
      this.inFlight.set(sub.name, (this.inFlight.get(sub.name) ?? 0) + 1);
      void this.attempt(delivery).finally(() => {
        this.inFlight.set(sub.name, (this.inFlight.get(sub.name) ?? 1) - 1);
        this.pump(sub);
      });
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    d.attempt++;
    let failure: string;
    try {
      const response = await fetch(d.sub.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': d.messageId,
          'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
          'ce-source': `//pubsub.googleapis.com/projects/${this.options.project}/topics/${d.sub.topic}`,
          'ce-time': d.publishTime,
          'ce-subscription': d.sub.name,
        },
        body: JSON.stringify(
          pushBody(`projects/${this.options.project}/subscriptions/${d.sub.name}`, d),
        ),
      });
      await response.arrayBuffer();
      if (response.ok) {
        this.stats.delivered++;
        return this.settle(d);
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (d.attempt >= d.sub.maxAttempts || this.closed) {
      this.deadLetter(d.messageId, `delivery_failed: ${d.attempt} attempts to ${d.sub.name}, last: ${failure}`, d.data, d.attributes);
      return this.settle(d);
    }
    this.stats.retried++;
    const backoff = Math.min(d.sub.maxBackoffMs, d.sub.minBackoffMs * 2 ** (d.attempt - 1));
    log.warn('push delivery failed; retrying', { subscription: d.sub.name, messageId: d.messageId, attempt: d.attempt, failure, backoffMs: backoff });
    // The retry waits outside the concurrency slot, as Pub/Sub's backoff does; it is still pending.
    setTimeout(() => this.requeue(d), backoff).unref();
  }

  private deadLetter(messageId: string, reason: string, data: Uint8Array, attributes: Record<string, string>): void {
    this.stats.deadLettered++;
    this.options.deadLetters.append({
      at: new Date().toISOString(),
      reason,
      messageId,
      attributes,
      dataBase64: Buffer.from(data).toString('base64'),
    });
  }

  private settle(d: Delivery): void {
    const key = orderKey(d);
    if (key !== undefined) {
      // The key's next message goes out only now, as Pub/Sub does for ordered push subscriptions.
      const waiting = this.heldBack.get(key) ?? [];
      const next = waiting.shift();
      if (next) this.requeue(next);
      else this.heldBack.delete(key);
    }
    this.pending--;
    if (this.pending === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => answer(res, 500, { error: { code: 500, message: error.message } }));
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = req.method === 'GET' ? this.options.routes?.[url.pathname] : undefined;
    if (route) return answer(res, 200, await route(url.searchParams));
    const publish = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):publish$/.exec(url.pathname);
    if (req.method !== 'POST' || !publish) return answer(res, 404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
    const body = await readBody(req, MAX_PUBLISH_BYTES);
    if (body === undefined) return answer(res, 413, { error: { code: 413, message: `request over ${MAX_PUBLISH_BYTES} bytes` } });
    let parsed;
    try {
      parsed = publishRequest.safeParse(JSON.parse(body.toString('utf8')));
    } catch {
      return answer(res, 400, { error: { code: 400, message: 'body is not JSON', status: 'INVALID_ARGUMENT' } });
    }
    if (!parsed.success) {
      return answer(res, 400, { error: { code: 400, message: parsed.error.issues[0]?.message ?? 'invalid', status: 'INVALID_ARGUMENT' } });
    }
    const topic = decodeURIComponent(publish[2] as string);
    const messageIds = this.publish(
      topic,
      parsed.data.messages.map((m) => ({
        data: Buffer.from(m.data ?? '', 'base64'),
        ...(m.attributes ? { attributes: m.attributes } : {}),
        ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
      })),
    );
    answer(res, 200, { messageIds });
  }

  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}

function orderKey(d: Delivery): string | undefined {
  return d.sub.ordered && d.orderingKey ? `${d.sub.name}\u0000${d.orderingKey}` : undefined;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
