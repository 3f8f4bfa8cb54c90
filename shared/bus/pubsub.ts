import { PubSub, type ClientConfig, type PublishOptions, type Topic } from '@google-cloud/pubsub';
import { PassThroughClient } from 'google-auth-library';
import type { TopicRole } from '../config/env.js';
import type { Bus, DeadLetter, Destination, OutgoingMessage } from './port.js';
import { classifyPubSubError } from './pubsub-errors.js';

export interface PubSubRetryOptions {
  /** Time after which a publish stops retrying and fails (TransientError), in ms. */
  totalTimeoutMillis?: number;
  initialDelayMillis?: number;
  maxDelayMillis?: number;
}

export interface PubSubBusOptions {
  projectId: string;
  /** Deployed topic name of a role (config/env.ts topicName). */
  topicName: (role: TopicRole) => string;
  /** Deployed name of a site's readings topic (config/env.ts siteTopicName); needed to publish as a site. */
  siteTopicName?: (site: string) => string;
  /**
   * Endpoint override (PUBSUB_API_ENDPOINT): the client then talks REST (JSON over HTTP/1.1) instead of gRPC.
   * A host outside googleapis.com is an emulator or a local server: plain http unless the endpoint says
   * https://, and no credentials, so no Google auth lookup happens.
   */
  apiEndpoint?: string;
  retry?: PubSubRetryOptions;
}

/** Pub/Sub attribute limits (https://cloud.google.com/pubsub/quotas#resource_limits). */
const MAX_ATTRIBUTES = 100;
const MAX_KEY_BYTES = 256;
const MAX_VALUE_BYTES = 1024;

/** The library's Publish retry gives up after 600 s; a function handling a push must answer long before. */
const DEFAULT_RETRY: Required<PubSubRetryOptions> = {
  totalTimeoutMillis: 30_000,
  initialDelayMillis: 100,
  maxDelayMillis: 5_000,
};

/**
 * The options the REST fallback reads (google-gax fallback.js) beyond what ClientConfig declares. authClient
 * is duck-typed at run time; its declared type comes from google-gax's own copy of google-auth-library.
 */
interface RestClientConfig extends Omit<ClientConfig, 'authClient'> {
  fallback?: boolean | 'rest';
  protocol?: 'http' | 'https';
  authClient?: PassThroughClient;
}

/**
 * No credentials, and every HTTP answer handed to the REST fallback as it came: its decoder turns an error
 * body's status (RESOURCE_EXHAUSTED, UNAVAILABLE, ...) into the gRPC code the retry settings name.
 * PassThroughClient alone throws on a non-2xx answer first, so the error keeps only its HTTP status
 * (429, 503), which no retry code matches, and a flow-control answer was never retried.
 */
class LocalEndpointClient extends PassThroughClient {
  override async request<T>(opts: Parameters<PassThroughClient['request']>[0]) {
    const response = await super.request<T>({ ...opts, validateStatus: () => true });
    // A page from something else (a proxy's HTML) has no status to decode: fail with the HTTP status as before.
    if (response.status >= 300 && !/json/i.test(response.headers.get('content-type') ?? '')) {
      throw Object.assign(new Error(`HTTP ${response.status} ${response.statusText} without a Pub/Sub error body`), {
        status: response.status,
      });
    }
    return response;
  }
}

function hostOf(apiEndpoint: string): string {
  return new URL(/^\w+:\/\//.test(apiEndpoint) ? apiEndpoint : `http://${apiEndpoint}`).hostname;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out;
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Attributes of a dead letter: reason, original message id, original attributes as orig_<key>, within limits. */
export function deadLetterAttributes(letter: DeadLetter): Record<string, string> {
  const attributes: Record<string, string> = { reason: truncateUtf8(letter.reason, MAX_VALUE_BYTES) };
  if (letter.messageId) attributes.originalMessageId = letter.messageId;
  const original = Object.entries(letter.attributes ?? {});
  const room = MAX_ATTRIBUTES - Object.keys(attributes).length - 1;
  for (const [key, value] of original.slice(0, room)) {
    attributes[truncateUtf8(`orig_${key}`, MAX_KEY_BYTES)] = truncateUtf8(value, MAX_VALUE_BYTES);
  }
  if (original.length > room) attributes.orig_dropped = String(original.length - room);
  return attributes;
}

/** The bus on Google Cloud Pub/Sub: one cached Topic per role or site, publishes batched for at most 10 ms. */
export class PubSubBus implements Bus {
  private readonly client: PubSub;
  private readonly topics = new Map<string, Topic>();
  private readonly publishOptions: PublishOptions;

  constructor(private readonly options: PubSubBusOptions) {
    const config: RestClientConfig = { projectId: options.projectId };
    if (options.apiEndpoint) {
      const local = !/(^|\.)googleapis\.com$/.test(hostOf(options.apiEndpoint));
      config.apiEndpoint = options.apiEndpoint;
      config.fallback = 'rest';
      config.protocol = local && !options.apiEndpoint.startsWith('https://') ? 'http' : 'https';
      if (local) {
        config.emulatorMode = true;
        config.authClient = new LocalEndpointClient();
      }
    }
    this.client = new PubSub(config as ClientConfig);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.publishOptions = {
      // Needed to publish with ordering keys; messages without a key are unaffected.
      messageOrdering: true,
      // maxBytes counts the data before encoding: over REST (JSON, base64) 9 MB, the client's cap, becomes a
      // request over Pub/Sub's 10 MB; 6 MB stays under it.
      batching: { maxMilliseconds: 10, maxBytes: 6 * 1024 * 1024 },
      gaxOpts: {
        retry: {
          // gRPC codes: UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
          retryCodes: [2, 4, 8, 10, 13, 14],
          backoffSettings: {
            initialRetryDelayMillis: retry.initialDelayMillis,
            retryDelayMultiplier: 2,
            maxRetryDelayMillis: retry.maxDelayMillis,
            initialRpcTimeoutMillis: retry.totalTimeoutMillis,
            rpcTimeoutMultiplier: 1,
            maxRpcTimeoutMillis: retry.totalTimeoutMillis,
            totalTimeoutMillis: retry.totalTimeoutMillis,
          },
        },
      },
    };
  }

  async publish(destination: Destination, messages: readonly OutgoingMessage[]): Promise<string[]> {
    return this.publishAll(
      destination,
      messages.map((m) => ({
        data: toBuffer(m.data),
        ...(m.attributes ? { attributes: { ...m.attributes } } : {}),
        ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
      })),
    );
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.publishAll('deadLetter', [{ data: toBuffer(letter.raw), attributes: deadLetterAttributes(letter) }]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.topics.values()].map((t) => t.flush().catch(() => undefined)));
    this.topics.clear();
    await this.client.close();
  }

  private topic(destination: Destination): Topic {
    // A role and a site never share a key: sites carry a NUL, which no role has.
    const key = typeof destination === 'string' ? destination : `site\u0000${destination.site}`;
    let topic = this.topics.get(key);
    if (!topic) {
      const name =
        typeof destination === 'string' ? this.options.topicName(destination) : this.siteTopic(destination.site);
      topic = this.client.topic(name, this.publishOptions);
      this.topics.set(key, topic);
    }
    return topic;
  }

  private siteTopic(site: string): string {
    if (!this.options.siteTopicName)
      throw new Error(`this bus has no siteTopicName: it cannot publish as site ${site}`);
    return this.options.siteTopicName(site);
  }

  /** Waits for every message (none left in flight), then fails with the first error if any failed. */
  private async publishAll(
    destination: Destination,
    messages: Array<{ data: Buffer; attributes?: Record<string, string>; orderingKey?: string }>,
  ) {
    if (messages.length === 0) return [];
    const topic = this.topic(destination);
    const results = await Promise.allSettled(messages.map((m) => topic.publishMessage(m)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // The client pauses a key whose publish failed while more of its messages wait; the caller's
      // redelivery publishes again, so let the key go on.
      for (const [i, r] of results.entries()) {
        const key = messages[i]?.orderingKey;
        if (r.status === 'rejected' && key) topic.resumePublishing(key);
      }
      const count = results.filter((r) => r.status === 'rejected').length;
      throw classifyPubSubError(failed.reason, `publish to ${topic.name} (${count} of ${messages.length} messages)`);
    }
    return results.map((r) => (r as PromiseFulfilledResult<string>).value);
  }
}
