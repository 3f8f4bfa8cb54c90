import { HttpFake, googleError, type RecordedRequest, type Reply } from './http-fake.js';

/**
 * A local server speaking Pub/Sub's v1 REST publish, as the client's REST fallback calls it:
 *   POST /v1/projects/{project}/topics/{topic}:publish   body { messages: [{ data, attributes, orderingKey }] }
 *   → { messageIds: [...] }
 * `data` is base64 (proto3 JSON bytes). The documented limits are enforced: at least one message, each with
 * data or an attribute, at most 100 attributes, keys up to 256 bytes not starting with "goog", values up to
 * 1024 bytes, 1000 messages and 10 MB per request. Unknown topics answer 404 NOT_FOUND as the service does.
 */

export interface PublishedMessage {
  messageId: string;
  topic: string;
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string | undefined;
}

interface WireMessage {
  data?: unknown;
  attributes?: unknown;
  orderingKey?: unknown;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeData(data: unknown): Buffer | string {
  if (data === undefined) return Buffer.alloc(0);
  if (typeof data !== 'string') return "Invalid value at 'messages.data' (TYPE_BYTES), expected a base64 string";
  if (BASE64.test(data)) return Buffer.from(data, 'base64');
  if (BASE64URL.test(data)) return Buffer.from(data, 'base64url');
  return `Invalid value at 'messages.data' (TYPE_BYTES), Base64 decoding failed for "${data.slice(0, 20)}"`;
}

function attributeProblem(attributes: Record<string, unknown>): string | undefined {
  const entries = Object.entries(attributes);
  if (entries.length > 100) return `Too many attributes: ${entries.length} (at most 100).`;
  for (const [key, value] of entries) {
    if (typeof value !== 'string') return `Invalid value at 'messages.attributes[${key}]' (TYPE_STRING)`;
    if (key.length === 0) return 'An attribute key must not be empty.';
    if (Buffer.byteLength(key) > 256)
      return `An attribute key is too long: ${Buffer.byteLength(key)} bytes (at most 256).`;
    if (key.startsWith('goog')) return `An attribute key must not start with "goog": ${key}.`;
    if (Buffer.byteLength(value) > 1024) {
      return `The value of attribute ${key} is too long: ${Buffer.byteLength(value)} bytes (at most 1024).`;
    }
  }
  return undefined;
}

export class FakePubSub extends HttpFake {
  private readonly topics = new Map<string, PublishedMessage[]>();
  private nextId = 1;

  private constructor(
    readonly projectId: string,
    topics: readonly string[],
  ) {
    super();
    for (const t of topics) this.topics.set(t, []);
  }

  static start(options: { projectId: string; topics: readonly string[] }): Promise<FakePubSub> {
    return new FakePubSub(options.projectId, options.topics).listen();
  }

  /** host:port, the form PUBSUB_EMULATOR_HOST and PUBSUB_API_ENDPOINT take. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  messages(topic: string): PublishedMessage[] {
    return this.topics.get(topic) ?? [];
  }

  publishRequests(topic?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith(':publish') && (!topic || r.path.includes(`/topics/${topic}:`)),
    );
  }

  protected handle(req: RecordedRequest): Reply {
    const match = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):publish$/.exec(req.path);
    if (req.method !== 'POST' || !match) return googleError(404, `Not found: ${req.method} ${req.path}`);
    const [, project, topic] = match;
    const stored = project === this.projectId ? this.topics.get(topic!) : undefined;
    if (!stored) return googleError(404, `Resource not found (resource=${topic}).`);
    const messages = (req.body as { messages?: unknown } | undefined)?.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      return googleError(
        400,
        'The value for message_count is too small. You passed 0 in the request, but the minimum value is 1.',
      );
    }
    if (messages.length > 1000) {
      return googleError(
        400,
        `The value for message_count is too large. You passed ${messages.length} in the request, but the maximum value is 1000.`,
      );
    }
    const accepted: PublishedMessage[] = [];
    for (const m of messages as WireMessage[]) {
      const data = decodeData(m.data);
      if (typeof data === 'string') return googleError(400, data);
      const attributes = (m.attributes ?? {}) as Record<string, unknown>;
      if (typeof attributes !== 'object' || Array.isArray(attributes))
        return googleError(400, "Invalid value at 'messages.attributes'");
      const problem = attributeProblem(attributes);
      if (problem) return googleError(400, problem);
      if (data.length === 0 && Object.keys(attributes).length === 0) {
        return googleError(
          400,
          'Some messages in the publish request are empty. Each message must contain a non-empty data field, or at least one attribute.',
        );
      }
      accepted.push({
        messageId: '',
        topic: topic!,
        data,
        attributes: attributes as Record<string, string>,
        orderingKey: typeof m.orderingKey === 'string' && m.orderingKey !== '' ? m.orderingKey : undefined,
      });
    }
    // All or nothing: a request is accepted whole, and ids are decimal strings as the service issues them.
    for (const m of accepted) {
      m.messageId = String(this.nextId++);
      stored.push(m);
    }
    return { status: 200, body: { messageIds: accepted.map((m) => m.messageId) } };
  }
}
