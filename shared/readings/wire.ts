import { z } from 'zod';

/** Wire format of what devices publish; see README "Wire format". */

export const METRIC_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
export const MAX_METRICS_PER_READING = 64;

const metricName = z.string().regex(METRIC_NAME, 'metric names are lowercase snake_case, up to 64 characters');

export const wireTimestamp = z.union([
  z.string().min(1).max(64),
  z.number({ error: 'must be a finite number (epoch seconds or milliseconds) or a string' }),
]);

export const wireReading = z.strictObject({
  deviceId: z.string().regex(DEVICE_ID, 'letters, digits and . _ : / -, up to 128 characters'),
  ts: wireTimestamp,
  metrics: z
    .record(metricName, z.number({ error: 'must be a finite number or null' }).nullable())
    .refine((m) => Object.keys(m).length > 0, 'at least one metric')
    .refine((m) => Object.keys(m).length <= MAX_METRICS_PER_READING, `at most ${MAX_METRICS_PER_READING} metrics`),
  units: z.record(metricName, z.string().min(1).max(16)).optional(),
  seq: z.number().int().nonnegative().optional(),
});

export type WireReading = z.infer<typeof wireReading>;

/** Top level of a message: one reading, or a batch under "readings". Readings are validated one by one. */
export const wireBatch = z.strictObject({ readings: z.array(z.unknown()) });

/** Short, field-naming explanation of a zod failure, for the rejected table and HTTP answers. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(reading)'}: ${i.message}`)
    .join('; ');
}
