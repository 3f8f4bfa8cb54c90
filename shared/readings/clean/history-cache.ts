import type { Warehouse } from '../../warehouse/port.js';
import type { ReadingRow } from '../../warehouse/schema/tables.js';
import { conversionTo } from '../units.js';
import { DeviceState } from './device-state.js';

/** The value a stored row was sent with, in its canonical unit. */
function sentOf(row: ReadingRow): number | null {
  if (row.original_value === null || row.original_unit === null) return row.original_value;
  const conversion = conversionTo(row.unit, row.original_unit);
  return conversion.ok ? conversion.convert(row.original_value) : row.original_value;
}

/**
 * Device histories of this instance. A device unseen here is loaded from the warehouse before its
 * readings are cleaned, so correctness does not depend on one instance seeing every message.
 */
export class HistoryCache {
  private readonly states = new Map<string, DeviceState>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly warehouse: Pick<Warehouse, 'recentReadings'>,
    private readonly pointsPerMetric: number,
    private readonly maxDevices = 20_000,
  ) {}

  async ensure(deviceIds: Iterable<string>): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const id of deviceIds) {
      if (this.states.has(id)) continue;
      let load = this.loading.get(id);
      if (!load) {
        load = this.load(id).finally(() => this.loading.delete(id));
        this.loading.set(id, load);
      }
      pending.push(load);
    }
    await Promise.all(pending);
  }

  private async load(deviceId: string): Promise<void> {
    const rows = await this.warehouse.recentReadings(deviceId, this.pointsPerMetric);
    if (this.states.size >= this.maxDevices) this.states.delete(this.states.keys().next().value as string);
    this.states.set(deviceId, DeviceState.fromRows(rows, this.windowSize(), this.knownCap(), sentOf));
  }

  private knownCap(): number {
    return this.pointsPerMetric * 64;
  }

  /** Values the robust statistics look at: enough for a stable median, cheap to sort per reading. */
  private windowSize(): number {
    return Math.min(this.pointsPerMetric, 32);
  }

  /** The state of a device; one never loaded (unknown to the registry, say) starts empty. */
  get(deviceId: string): DeviceState {
    let state = this.states.get(deviceId);
    if (!state) {
      state = new DeviceState(this.windowSize(), this.knownCap());
      this.states.set(deviceId, state);
    }
    return state;
  }

  /** Forgets devices whose last write failed: their state ran ahead of the warehouse. */
  invalidate(deviceIds: Iterable<string>): void {
    for (const id of deviceIds) this.states.delete(id);
  }
}
