import type { DeviceView, Range } from './api.js';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Devices are listed with their activity over the last ten years (the API's longest range): a device's last
 * reading is shown however old it is, as the steel plant's 2018 year in the demo.
 */
export function activityRange(nowMs = Date.now()): Required<Range> {
  return { from: iso(nowMs - 3650 * DAY_MS), to: iso(nowMs + DAY_MS) };
}

/** A device's alerts: the 399 days up to a day past its last reading (listings span at most 400 days). */
export function alertRange(device: Pick<DeviceView, 'lastReadingAt'>, nowMs = Date.now()): Required<Range> {
  const end = (device.lastReadingAt ? Date.parse(device.lastReadingAt) : nowMs) + DAY_MS;
  return { from: iso(end - 399 * DAY_MS), to: iso(end) };
}
