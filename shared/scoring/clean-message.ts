import { z } from 'zod';

/** One stored reading as ingest publishes it to readings-clean (shared/ingest/ingest-message.ts, publishClean). */
export const cleanReading = z.object({
  readingId: z.string().min(1),
  deviceId: z.string().min(1),
  ts: z.iso.datetime({ offset: true }),
  metric: z.string().min(1),
  value: z.number().nullable(),
  unit: z.string(),
  flags: z.array(z.string()),
});

export const cleanMessage = z.object({ readings: z.array(cleanReading) });

export type CleanReading = z.infer<typeof cleanReading>;

export type DecodedClean = { ok: true; readings: CleanReading[] } | { ok: false; reason: string };

/** A readings-clean message body, or why it cannot be scored (naming the field). */
export function decodeCleanMessage(data: Uint8Array): DecodedClean {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { ok: false, reason: 'undecodable: readings-clean message is not UTF-8 JSON' };
  }
  const parsed = cleanMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid readings-clean message: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; expected { readings: [{ readingId, deviceId, ts, metric, value, unit, flags }] }`,
    };
  }
  return { ok: true, readings: parsed.data.readings };
}

/**
 * Flags that keep a value out of scoring and out of a detector's history: data-quality problems the cleaning
 * step already reports (a missing or imputed value, a value outside the valid range, a stuck sensor, a
 * machine that is off). Spikes stay in: telling a spike from a real change is the detector's job.
 */
export const NOT_SCORED: ReadonlySet<string> = new Set(['missing', 'out_of_range', 'stuck', 'shutdown']);

export function scorable(value: number | null, flags: readonly string[]): value is number {
  return value !== null && Number.isFinite(value) && !flags.some((f) => NOT_SCORED.has(f));
}
