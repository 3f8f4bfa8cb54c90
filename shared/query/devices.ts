import type { Device } from '../devices/registry.js';
import { silentAfterMs } from '../devices/silence-threshold.js';
import type { DeviceActivity } from '../warehouse/read-port.js';
import type { QueryDeps } from './deps.js';
import { resolveRange, DAY_MS, type RangeInput } from './time-range.js';

export const DEVICE_STATUSES = ['reporting', 'silent', 'faulted'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** Cleaning flags that say the device (not the value) is at fault. */
export const FAULT_FLAGS = ['stuck', 'out_of_range', 'missing', 'inconsistent'] as const;

export const DEVICES_RANGE = { defaultMs: 30 * DAY_MS, maxMs: 3660 * DAY_MS };

export interface DeviceView {
  readonly deviceId: string;
  readonly site: string;
  readonly type: Device['type'];
  readonly timezone: string;
  readonly intervalSeconds: number;
  readonly metrics: Array<{ name: string; unit: string }>;
  readonly status: DeviceStatus;
  readonly lastReadingAt: string | null;
  readonly lastStoredAt: string | null;
  readonly lastFlags: string[];
  readonly readings: number;
  readonly openAlerts: number;
  readonly openCriticalAlerts: number;
}

/** A device is silent after three missed intervals (at least 15 minutes), faulted with a critical alert open or a fault flag on its last reading. */
export function statusOf(device: Device, activity: DeviceActivity | undefined, nowMs: number): DeviceStatus {
  if (!activity?.lastReadingAt) return 'silent';
  if (nowMs - Date.parse(activity.lastReadingAt) > silentAfterMs(device.intervalSeconds, 15 * 60_000)) return 'silent';
  const faultFlag = activity.lastFlags.some((f) => (FAULT_FLAGS as readonly string[]).includes(f));
  return activity.openCriticalAlerts > 0 || faultFlag ? 'faulted' : 'reporting';
}

function view(deviceId: string, device: Device, activity: DeviceActivity | undefined, nowMs: number): DeviceView {
  return {
    deviceId,
    site: device.site,
    type: device.type,
    timezone: device.timezone,
    intervalSeconds: device.intervalSeconds,
    metrics: [...device.metricSpecs].map(([name, spec]) => ({ name, unit: spec.unit })),
    status: statusOf(device, activity, nowMs),
    lastReadingAt: activity?.lastReadingAt ?? null,
    lastStoredAt: activity?.lastStoredAt ?? null,
    lastFlags: activity?.lastFlags ?? [],
    readings: activity?.readings ?? 0,
    openAlerts: activity?.openAlerts ?? 0,
    openCriticalAlerts: activity?.openCriticalAlerts ?? 0,
  };
}

/**
 * Registered devices with their activity over the range (default: the last 30 days): exact registry entries
 * always, members of a `prefix*` family when they were active.
 */
export async function listDevices(
  deps: QueryDeps,
  input: RangeInput,
): Promise<{ from: string; to: string; devices: DeviceView[] }> {
  const nowMs = deps.now();
  const range = resolveRange(input, DEVICES_RANGE, nowMs);
  const activity = new Map((await deps.reader.deviceActivity(range)).map((a) => [a.deviceId, a]));
  const ids = new Set([
    ...deps.devices
      .all()
      .filter((d) => !d.deviceId.endsWith('*'))
      .map((d) => d.deviceId),
    ...activity.keys(),
  ]);
  const devices = [...ids].sort().flatMap((id) => {
    const device = deps.devices.get(id);
    return device ? [view(id, device, activity.get(id), nowMs)] : [];
  });
  return { ...range, devices };
}
