import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { METRIC_NAME } from '../readings/wire.js';
import { CANONICAL_UNITS } from '../readings/units.js';

export const metricSpec = z.strictObject({
  unit: z.enum(CANONICAL_UNITS as [string, ...string[]]),
  min: z.number(),
  max: z.number(),
  /** Identical consecutive values (this one included) after which the meter is flagged stuck; absent: never. */
  stuckAfter: z.number().int().min(2).optional(),
  /** Robust z-score (median/MAD of recent history) above which a value is a spike. */
  spikeZ: z.number().positive().default(8),
  /** Smallest jump from the recent median that can be a spike, in the metric's unit: keeps quiet series quiet. */
  spikeMinDelta: z.number().nonnegative().default(0),
  /** Counts toward `shutdown` when all such metrics of a reading are zero. */
  zeroWhenOff: z.boolean().default(true),
});
export type MetricSpec = z.infer<typeof metricSpec>;

export const DEVICE_TYPES = ['energy-meter', 'machine', 'sensor'] as const;

export const deviceSpec = z.strictObject({
  /** Exact id, or a prefix followed by * for a family of devices. */
  deviceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}\*?$/),
  site: z.string().min(1),
  type: z.enum(DEVICE_TYPES),
  timezone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA timezone such as Asia/Seoul'),
  /** Nominal reporting interval. */
  intervalSeconds: z.number().int().positive(),
  metrics: z.record(z.string().regex(METRIC_NAME), metricSpec),
});
export type DeviceSpec = z.infer<typeof deviceSpec>;

export interface Device extends DeviceSpec {
  readonly metricSpecs: ReadonlyMap<string, MetricSpec>;
  /** How many metrics read zero when the device is off. */
  readonly offMetricCount: number;
}

export const registryFile = z.strictObject({ devices: z.array(deviceSpec).min(1) });

/** Looks devices up by exact id first, then by the longest matching family prefix. */
export class DeviceRegistry {
  private readonly exact = new Map<string, Device>();
  private readonly families: Array<[string, Device]> = [];

  constructor(specs: readonly DeviceSpec[]) {
    for (const spec of specs) {
      const metricSpecs = new Map(Object.entries(spec.metrics));
      const offMetricCount = [...metricSpecs.values()].filter((m) => m.zeroWhenOff).length;
      const device: Device = { ...spec, metricSpecs, offMetricCount };
      if (spec.deviceId.endsWith('*')) this.families.push([spec.deviceId.slice(0, -1), device]);
      else this.exact.set(spec.deviceId, device);
    }
    this.families.sort((a, b) => b[0].length - a[0].length);
  }

  get(deviceId: string): Device | undefined {
    const hit = this.exact.get(deviceId);
    if (hit) return hit;
    for (const [prefix, device] of this.families) if (deviceId.startsWith(prefix)) return device;
    return undefined;
  }

  all(): Device[] {
    return [...this.exact.values(), ...this.families.map(([, d]) => d)];
  }

  static fromFile(path: string): DeviceRegistry {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`device registry ${path}: cannot be read as JSON (${(error as Error).message})`, { cause: error });
    }
    const parsed = registryFile.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`device registry ${path}: ${detail}`);
    }
    return new DeviceRegistry(parsed.data.devices);
  }
}
