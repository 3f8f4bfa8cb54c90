import { z } from 'zod';

/** Wire format of what devices publish; see README "Wire format". */

export const METRIC_NAME = /^[a-z][a-z0-9_]{0,63}$/;
/** Segments of letters, digits and . _ : - joined by single slashes, each starting with a letter or digit (no '..' segment), 128 characters at most. */
export const DEVICE_ID = /^(?=.{1,128}$)[A-Za-z0-9][A-Za-z0-9._:-]*(?:\/[A-Za-z0-9][A-Za-z0-9._:-]*)*$/;
export const DEVICE_ID_RULE =
  "segments of letters, digits and . _ : - joined by single '/', each starting with a letter or digit, up to 128 characters";
export const MAX_METRICS_PER_READING = 64;

const plainObject = (what: string) =>
  z.custom<Record<string, unknown>>(
    (o) => o !== null && typeof o === 'object' && !Array.isArray(o),
    `expected an object of ${what}`,
  );

/**
 * An object of untrusted keys as a Map of its own entries, each value validated: a key such as `__proto__`
 * stays a key (an object copy would turn it into a prototype and lose it), and no key meets Object.prototype.
 */
function entriesOf<V>(what: string, valid: (v: unknown) => v is V, message: string) {
  return plainObject(what).transform((o, ctx) => {
    const entries = new Map<string, V>();
    for (const [key, raw] of Object.entries(o)) {
      if (valid(raw)) entries.set(key, raw);
      else ctx.addIssue({ code: 'custom', path: [key], message });
    }
    return entries;
  });
}

const metricValue = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));
const unitName = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 16;

export const wireTimestamp = z.union([
  z.string().min(1).max(64),
  z.number({ error: 'must be a finite number (epoch seconds or milliseconds) or a string' }),
]);

/** Metric names are checked against the device: a name that is no metric of it is `unknown_metric`. */
export const wireReading = z.strictObject({
  deviceId: z.string().regex(DEVICE_ID, DEVICE_ID_RULE),
  ts: wireTimestamp,
  metrics: entriesOf('metric values', metricValue, 'must be a finite number or null')
    .refine((m) => m.size > 0, 'at least one metric')
    .refine((m) => m.size <= MAX_METRICS_PER_READING, `at most ${MAX_METRICS_PER_READING} metrics`),
  units: entriesOf('units', unitName, 'must be a unit symbol of 1 to 16 characters').optional(),
  seq: z.number().int().nonnegative().optional(),
});

const READING_KEYS: ReadonlySet<string> = new Set(['deviceId', 'ts', 'metrics', 'units', 'seq']);

function isPlainObject(o: unknown): o is Record<string, unknown> {
  return o !== null && typeof o === 'object' && !Array.isArray(o);
}

/** An object's own entries as a Map if every value passes, else undefined. */
function entriesIf<V>(o: Record<string, unknown>, valid: (v: unknown) => v is V): Map<string, V> | undefined {
  const entries = new Map<string, V>();
  for (const key in o) {
    if (!Object.hasOwn(o, key)) continue;
    const v = o[key];
    if (!valid(v)) return undefined;
    entries.set(key, v);
  }
  return entries;
}

/**
 * The output wireReading gives a well-formed reading, found without zod; undefined for anything else, which
 * zod then parses (and explains). zod's checks were a quarter of cleaning's CPU; this accepts only what the
 * schema accepts, a property test holds the two equal (test/readings/wire-fast-path.test.ts).
 */
function wellFormed(raw: unknown): ParsedReading | undefined {
  if (!isPlainObject(raw)) return undefined;
  for (const key in raw) if (!READING_KEYS.has(key) || raw[key] === undefined) return undefined;
  const { deviceId, ts, metrics: rawMetrics, units: rawUnits, seq } = raw;
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) return undefined;
  if (typeof ts === 'string') {
    if (ts.length < 1 || ts.length > 64) return undefined;
  } else if (typeof ts !== 'number' || !Number.isFinite(ts)) return undefined;
  if (!isPlainObject(rawMetrics)) return undefined;
  const metrics = entriesIf(rawMetrics, metricValue);
  if (!metrics || metrics.size === 0 || metrics.size > MAX_METRICS_PER_READING) return undefined;
  const reading: ParsedReading = { deviceId, ts, metrics };
  if (rawUnits !== undefined) {
    const units = isPlainObject(rawUnits) ? entriesIf(rawUnits, unitName) : undefined;
    if (!units) return undefined;
    reading.units = units;
  }
  if (seq !== undefined) {
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
    reading.seq = seq;
  }
  return reading;
}

/** wireReading.safeParse, sparing zod the readings that are well formed. */
export function parseWireReading(raw: unknown): z.ZodSafeParseResult<ParsedReading> {
  const reading = wellFormed(raw);
  return reading ? { success: true, data: reading } : wireReading.safeParse(raw);
}

/** A reading as devices publish it. */
export interface WireReading {
  deviceId: string;
  ts: string | number;
  metrics: Record<string, number | null>;
  units?: Record<string, string>;
  seq?: number;
}

/** A reading once validated, its untrusted keys in Maps. */
export type ParsedReading = z.output<typeof wireReading>;

/** Top level of a message: one reading, or a batch under "readings". Readings are validated one by one. */
export const wireBatch = z.strictObject({ readings: z.array(z.unknown()) });

/** Short, field-naming explanation of a zod failure, for the rejected table and HTTP answers. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(reading)'}: ${i.message}`)
    .join('; ');
}
