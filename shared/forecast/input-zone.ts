import { DeviceRegistry } from '../devices/registry.js';
import type { InputZone } from './table.js';

/** `--tz`, else the `--device`'s timezone from the registry; undefined when neither is given. */
export function inputZoneOf(options: { tz?: string; device?: string }, devicesFile: string): InputZone | undefined {
  if (options.tz) return { zone: options.tz, source: '--tz' };
  if (!options.device) return undefined;
  const device = DeviceRegistry.fromFile(devicesFile).get(options.device);
  if (!device) throw new Error(`--device ${options.device}: not in the device registry ${devicesFile}`);
  return { zone: device.timezone, source: `registry timezone of ${options.device}` };
}
