/** Cleaning flags, verbatim as stored in `readings.flags` and written by `kilowatch clean`. */
export const FLAGS = [
  'missing',
  'out_of_range',
  'spike',
  'stuck',
  'shutdown',
  'duplicate',
  'conflict',
  'out_of_order',
  'future_ts',
  'unit_converted',
  'inconsistent',
  'imputed',
] as const;
export type Flag = (typeof FLAGS)[number];

/**
 * Flags that keep a value out of the robust statistics of later values. Spikes stay in: the median
 * and MAD shrug off isolated ones, and leaving them out would lock the statistics on an old level
 * after a genuine step change.
 */
export const UNTRUSTED: ReadonlySet<Flag> = new Set(['out_of_range', 'stuck', 'inconsistent']);

/** Rejection reasons, verbatim as stored in `rejected.reason`. */
export const REJECTION_REASONS = [
  'invalid_message',
  'batch_too_large',
  'invalid_reading',
  'unknown_device',
  'forbidden_device',
  'invalid_timestamp',
  'ambiguous_local_time',
  'future_ts',
  'unknown_metric',
  'unit_mismatch',
  'duplicate',
  'conflict',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
