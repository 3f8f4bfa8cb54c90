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
  private readonly loading = new Map<string, Promise<DeviceState>>();

  constructor(
    private readonly warehouse: Pick<Warehouse, 'recentReadings' | 'knownReadings'>,
    private readonly pointsPerMetric: number,
    /** How far back a cold load looks (ms); 0 for no bound. Older readings are looked up when needed. */
    private readonly lookbackMs = 0,
    private readonly now: () => number = Date.now,
    private readonly maxDevices = 20_000,
  ) {}

  /**
   * The states of these devices, loaded where this instance holds none. The caller cleans against the states
   * returned: a state evicted meanwhile (more devices than maxDevices) stays whole for it, where a fresh one
   * would hold no history and take a stored reading's conflict for a new reading.
   */
  async ensure(deviceIds: Iterable<string>): Promise<Map<string, DeviceState>> {
    const states = new Map<string, DeviceState>();
    const pending: Promise<void>[] = [];
    for (const id of deviceIds) {
      const held = this.states.get(id);
      if (held) {
        states.set(id, held);
        continue;
      }
      let load = this.loading.get(id);
      if (!load) {
        load = this.load(id).finally(() => this.loading.delete(id));
        this.loading.set(id, load);
      }
      pending.push(load.then((state) => void states.set(id, state)));
    }
    await Promise.all(pending);
    return states;
  }

  private async load(deviceId: string): Promise<DeviceState> {
    const since = this.lookbackMs > 0 ? this.now() - this.lookbackMs : undefined;
    const rows = await this.warehouse.recentReadings(
      deviceId,
      this.pointsPerMetric,
      since === undefined ? undefined : new Date(since).toISOString(),
    );
    if (this.states.size >= this.maxDevices) this.states.delete(this.states.keys().next().value as string);
    const state = DeviceState.fromRows(rows, this.pointsPerMetric, this.windowSize(), this.knownCap(), sentOf);
    if (since !== undefined) state.coveredFrom = Math.max(state.coveredFrom, since);
    this.states.set(deviceId, state);
    return state;
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

  /**
   * Makes readings older than what an instance holds known too: one warehouse lookup per device with
   * such readings (backfills, late redeliveries), so their duplicates are not stored or dropped unseen.
   */
  async lookUpOlder(
    requests: ReadonlyMap<string, { ids: string[]; from: number; to: number }>,
    stateOf: (deviceId: string) => DeviceState = (id) => this.get(id),
  ): Promise<void> {
    await Promise.all(
      [...requests].map(async ([deviceId, { ids, from, to }]) => {
        const state = stateOf(deviceId);
        const rows = await this.warehouse.knownReadings(
          deviceId,
          ids,
          new Date(from).toISOString(),
          new Date(to).toISOString(),
        );
        for (const row of rows)
          state.addKnown(row.metric, {
            sent: sentOf(row),
            messageId: row.message_id,
            ts: Date.parse(row.ts),
            write: undefined,
          });
      }),
    );
  }

  /** Forgets devices whose last write failed: their state ran ahead of the warehouse. */
  invalidate(deviceIds: Iterable<string>): void {
    for (const id of deviceIds) this.states.delete(id);
  }
}
