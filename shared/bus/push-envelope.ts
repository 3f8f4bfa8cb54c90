import { z } from 'zod';

/**
 * Pub/Sub message attributes: text values under any key (Pub/Sub refuses only `goog…` ones), `__proto__`
 * included. z.record assigns each key to a plain object, where `__proto__` is the prototype's setter and the
 * attribute vanishes; these are copied into a null-prototype object, where it is a key like another.
 */
export const messageAttributes = z
  .custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object of text values')
  .transform((input, ctx) => {
    const attributes = Object.create(null) as Record<string, string>;
    for (const [key, value] of Object.entries(input)) {
      if (typeof value === 'string') attributes[key] = value;
      else ctx.addIssue({ code: 'custom', path: [key], message: `expected text, got ${typeof value}`, input: value });
    }
    return attributes;
  });

/**
 * The Pub/Sub message inside a push delivery, as Google sends it: Eventarc CloudEvents (binary or
 * structured) and plain push subscriptions alike, with either spelling of the id and time fields.
 */
export const pushedMessage = z
  .object({
    data: z.string().optional(),
    attributes: messageAttributes.nullish(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
    publishTime: z.string().optional(),
    publish_time: z.string().optional(),
  })
  .loose();

export const pushEnvelope = z.object({ message: pushedMessage, subscription: z.string().optional() }).loose();

export type PushEnvelope = z.infer<typeof pushEnvelope>;

/** A CloudEvent attribute (id, source) as text: a structured event POSTed by hand may carry any JSON there. */
export function eventText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A push delivery's id (a placeholder when it has none that is text) and data, as the use-cases take them. */
export function pushEventOf(event: { readonly id?: unknown; readonly data?: unknown }): { id: string; data: unknown } {
  return { id: eventText(event.id) ?? 'unidentified', data: event.data };
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly data: Uint8Array;
  readonly attributes: Record<string, string>;
  readonly publishTime?: string;
}

export type EnvelopeResult = { ok: true; message: ReceivedMessage } | { ok: false; reason: string; raw: Uint8Array };

/** The message of a push envelope; anything unreadable comes back with the raw bytes for the dead-letter sink. */
export function readEnvelope(body: unknown, fallbackId: string): EnvelopeResult {
  const parsed = pushEnvelope.safeParse(body);
  const raw = () =>
    new TextEncoder().encode(typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body));
  if (!parsed.success) {
    return {
      ok: false,
      reason: 'undecodable: push body is not a Pub/Sub envelope { message: { data, messageId } }',
      raw: raw(),
    };
  }
  const m = parsed.data.message;
  const messageId = m.messageId ?? m.message_id ?? fallbackId;
  if (m.data === undefined) return { ok: false, reason: `undecodable: message ${messageId} has no data`, raw: raw() };
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(m.data)) {
    return {
      ok: false,
      reason: `undecodable: message ${messageId} data is not base64`,
      raw: new TextEncoder().encode(m.data),
    };
  }
  return {
    ok: true,
    message: {
      messageId,
      data: Buffer.from(m.data, 'base64'),
      attributes: m.attributes ?? {},
      publishTime: m.publishTime ?? m.publish_time,
    },
  };
}

export interface PushedMessage {
  readonly messageId: string;
  /** The bytes, base64 (the router keeps them so). */
  readonly dataBase64: string;
  readonly attributes: Record<string, string>;
  readonly publishTime: string;
  readonly orderingKey?: string;
}

/** The push body the local router sends: what a Pub/Sub push subscription or Eventarc delivers. */
export function pushBody(subscription: string, m: PushedMessage) {
  return {
    message: {
      data: m.dataBase64,
      attributes: m.attributes,
      messageId: m.messageId,
      message_id: m.messageId,
      publishTime: m.publishTime,
      publish_time: m.publishTime,
      ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
    },
    subscription,
  };
}
