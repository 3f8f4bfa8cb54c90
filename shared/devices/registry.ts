import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_ID_RULE, METRIC_NAME } from '../readings/wire.js';
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

/** Site names become part of Pub/Sub topic and service account names. */
export const SITE = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;

/** Readings before this are refused unless the registry says otherwise: no meter of ours predates it. */
export const DEFAULT_TS_FLOOR = '2000-01-01T00:00:00Z';

const tsFloor = z.iso
  .datetime({ offset: true })
  .refine((t) => Date.parse(t) >= 0, 'at or after 1970-01-01T00:00:00Z')
  .describe('earliest reading time accepted (ISO 8601)');

export const deviceSpec = z.strictObject({
  /** Exact id, or a prefix followed by * for a family of devices. */
  deviceId: z
    .string()
    .regex(
      /^(?=.{1,129}$)[A-Za-z0-9][A-Za-z0-9._:-]*(?:\/[A-Za-z0-9][A-Za-z0-9._:-]*)*\/?\*?$/,
      `${DEVICE_ID_RULE}; a family ends with *`,
    ),
  site: z.string().regex(SITE, 'lowercase letters, digits and dashes, 3-20 characters, starting with a letter'),
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
  /** Overrides the registry's tsFloor for this device. */
  tsFloor: tsFloor.optional(),
});
export type DeviceSpec = z.infer<typeof deviceSpec>;

export interface Device extends DeviceSpec {
  readonly metricSpecs: ReadonlyMap<string, MetricSpec>;
  /** How many metrics read zero when the device is off. */
  readonly offMetricCount: number;
  /** Earliest reading time accepted, epoch ms. */
  readonly tsFloorMs: number;
}

export const registryFile = z.strictObject({
  tsFloor: tsFloor.default(DEFAULT_TS_FLOOR),
  devices: z.array(deviceSpec).min(1),
});

/** Looks devices up by exact id first, then by the longest matching family prefix. */
export class DeviceRegistry {
  private readonly exact = new Map<string, Device>();
  private readonly families: Array<[string, Device]> = [];

  constructor(specs: readonly DeviceSpec[], defaultTsFloor = DEFAULT_TS_FLOOR) {
    for (const spec of specs) {
      const metricSpecs = new Map(Object.entries(spec.metrics));
      const offMetricCount = [...metricSpecs.values()].filter((m) => m.zeroWhenOff).length;
      const tsFloorMs = Date.parse(spec.tsFloor ?? defaultTsFloor);
      const device: Device = { ...spec, metricSpecs, offMetricCount, tsFloorMs };
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

  /** Every site of the registry, sorted. */
  sites(): string[] {
    return [...new Set(this.all().map((d) => d.site))].sort();
  }

  /** Ids and `prefix*` families registered for a site. */
  devicesOf(site: string): string[] {
    return this.all()
      .filter((d) => d.site === site)
      .map((d) => d.deviceId);
  }

  static fromFile(path: string): DeviceRegistry {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`device registry ${path}: cannot be read as JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    const parsed = registryFile.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`device registry ${path}: ${detail}`);
    }
    return new DeviceRegistry(parsed.data.devices, parsed.data.tsFloor);
  }
}
