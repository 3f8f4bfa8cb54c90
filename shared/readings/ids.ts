import { hash } from 'node:crypto';

// One-shot hashing is about three times faster than createHash() on ids this short.
function digest(text: string): string {
  return hash('sha256', text, 'hex');
}

const metricDigests = new Map<string, string>();

/** The metric's part of a reading id: 8 hex digits, computed once per metric name. */
function metricPart(metric: string): string {
  let part = metricDigests.get(metric);
  if (part === undefined) {
    part = digest(`metric\u0000${metric}`).slice(0, 8);
    if (metricDigests.size < 100_000) metricDigests.set(metric, part);
  }
  return part;
}

/** The part of a reading id every metric of one device at one time shares: 24 hex digits. */
export function readingIdPrefix(deviceId: string, tsMs: number): string {
  return digest(`${deviceId}\u0000${tsMs}`).slice(0, 24);
}

/**
 * Deterministic id of a (device, time, metric): the same reading delivered twice gets the same id.
 * A hash of (device, time) then one of the metric, so that the metrics of a reading share one hash.
 */
export function readingId(
  deviceId: string,
  tsMs: number,
  metric: string,
  prefix = readingIdPrefix(deviceId, tsMs),
): string {
  return prefix + metricPart(metric);
}

/**
 * Deterministic id of a rejection: one per message, reading and metric, whatever the reason, so that a
 * redelivery that judges a value otherwise (its device's history changed meanwhile) cannot record it twice.
 */
export function rejectionId(messageId: string, index: number | null, metric: string | null): string {
  return digest(`${messageId}\u0000${index ?? ''}\u0000${metric ?? ''}`).slice(0, 32);
}

/** Deterministic id of something derived from other ids (a score of a reading by a model version, an alert of a score). */
export function stableId(kind: string, ...parts: readonly string[]): string {
  return digest([kind, ...parts].join('\u0000')).slice(0, 32);
}
