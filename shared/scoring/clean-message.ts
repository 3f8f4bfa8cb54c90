/** The readings-clean body is shared/readings/clean-payload.ts (ingest writes it, score reads it). */
export type { CleanReading } from '../readings/clean-payload.js';

/**
 * Flags that keep a value out of scoring and out of a detector's history: data-quality problems the cleaning
 * step already reports (a missing or imputed value, a value outside the valid range, a stuck sensor, a
 * machine that is off). Spikes stay in: telling a spike from a real change is the detector's job.
 */
export const NOT_SCORED: ReadonlySet<string> = new Set(['missing', 'out_of_range', 'stuck', 'shutdown']);

export function scorable(value: number | null, flags: readonly string[]): value is number {
  return value !== null && Number.isFinite(value) && !flags.some((f) => NOT_SCORED.has(f));
}
