import type { TopicRole } from '../config/env.js';

export interface OutgoingMessage {
  /** The message body: JSON text or raw bytes. */
  readonly data: string | Uint8Array;
  readonly attributes?: Readonly<Record<string, string>>;
  /**
   * Messages with the same key reach an ordered subscription one at a time, in publish order (Pub/Sub
   * message ordering). Publishers key by device so a device's readings are scored in time order.
   */
  readonly orderingKey?: string;
}

/** Where a message goes: a topic of the app, or a site's own readings topic (what that site's devices publish to). */
export type Destination = TopicRole | { readonly site: string };

export interface DeadLetter {
  readonly reason: string;
  /** The bytes as received, untouched. */
  readonly raw: Uint8Array;
  readonly messageId?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * The bus port: Pub/Sub in the cloud, the local push router on a laptop. Publishing resolves once the
 * bus has accepted the messages; TransientError when it is unavailable.
 */
export interface Bus {
  publish(topic: Destination, messages: readonly OutgoingMessage[]): Promise<string[]>;
  /** Sends an undecodable message, with the reason, to the dead-letter sink. */
  deadLetter(letter: DeadLetter): Promise<void>;
  close(): Promise<void>;
}
