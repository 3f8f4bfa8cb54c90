import { hash } from 'node:crypto';

// One-shot hashing is about three times faster than createHash() on ids this short.
function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 32);
}

/** Deterministic id of a (device, time, metric): the same reading delivered twice gets the same id. */
export function readingId(deviceId: string, tsMs: number, metric: string): string {
  return digest(`${deviceId}\u0000${tsMs}\u0000${metric}`);
}

/** Deterministic id of a rejection, so a redelivered message cannot record it twice. */
export function rejectionId(messageId: string, index: number | null, metric: string | null, reason: string): string {
  return digest(`${messageId}\u0000${index ?? ''}\u0000${metric ?? ''}\u0000${reason}`);
}
