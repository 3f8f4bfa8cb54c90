import type { Warehouse } from '../warehouse/port.js';
import { devices } from '../warehouse/schema/tables.js';
import type { DeviceRegistry } from './registry.js';

/** Copies the registry into the `devices` table (idempotent: an existing device id is kept). */
export async function seedDevices(warehouse: Warehouse, registry: DeviceRegistry): Promise<void> {
  const now = new Date().toISOString();
  await warehouse.insert(
    devices,
    registry.all().map((d) => ({
      device_id: d.deviceId,
      site: d.site,
      type: d.type,
      timezone: d.timezone,
      metrics: JSON.stringify(d.metrics),
      updated_at: now,
    })),
  );
}
