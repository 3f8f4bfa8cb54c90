import { wireBatch } from './wire.js';

export interface DecodeLimits {
  readonly maxMessageBytes: number;
  readonly maxBatch: number;
}

export type Decoded =
  | { kind: 'readings'; readings: unknown[] }
  /** Decodable but not a message we accept: recorded in `rejected` with the payload. */
  | { kind: 'rejected'; reason: 'invalid_message' | 'batch_too_large'; detail: string; payload: string }
  /** Not decodable at all: the raw bytes go to the dead-letter sink. */
  | { kind: 'dead'; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Deepest nesting accepted: a batch of readings with units is 4 levels deep. */
export const MAX_DEPTH = 16;

/** Whether a parsed JSON value nests deeper than `limit` (iterative: deep input must not exhaust the stack). */
function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const child of Object.values(node as object))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Bytes of one Pub/Sub message into readings: one reading, or a batch `{ "readings": [...] }`. */
export function decodeMessage(data: Uint8Array, limits: DecodeLimits): Decoded {
  if (data.byteLength > limits.maxMessageBytes) {
    return {
      kind: 'dead',
      reason: `message_too_large: ${data.byteLength} bytes; at most ${limits.maxMessageBytes} bytes (Pub/Sub push events are capped at 512 KB): split the batch`,
    };
  }
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { kind: 'dead', reason: 'undecodable: message data is not valid UTF-8 JSON' };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return {
      kind: 'dead',
      reason: `undecodable: message data is not JSON (${(error as Error).message.slice(0, 200)})`,
    };
  }
  if (deeperThan(body, MAX_DEPTH)) {
    // Kept as one JSON string: the nested form is what no later step (logs, the warehouse's JSON) should parse again.
    return {
      kind: 'rejected',
      reason: 'invalid_message',
      detail: `(message): nested more than ${MAX_DEPTH} levels deep; a reading is { deviceId, ts, metrics: { name: number }, units: { name: unit } }`,
      payload: JSON.stringify(text),
    };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      kind: 'rejected',
      reason: 'invalid_message',
      detail: '(message): expected one reading object or { "readings": [ ... ] }',
      payload: text,
    };
  }
  if (!Object.hasOwn(body, 'readings')) return { kind: 'readings', readings: [body] };
  const batch = wireBatch.safeParse(body);
  if (!batch.success) {
    return {
      kind: 'rejected',
      reason: 'invalid_message',
      detail: 'readings: expected { "readings": [ ... ] } with no other keys',
      payload: text,
    };
  }
  if (batch.data.readings.length > limits.maxBatch) {
    return {
      kind: 'rejected',
      reason: 'batch_too_large',
      detail: `readings: ${batch.data.readings.length} readings; at most ${limits.maxBatch} per message: split the batch`,
      payload: text,
    };
  }
  return { kind: 'readings', readings: batch.data.readings };
}
