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
  /**
   * States dropped from the cache while deliveries still used them. The next load of the device waits until
   * they are done: a value such a delivery stores after the load would be unknown to the new state, and a
   * conflict with it stored as new.
   */
  private readonly retired = new Map<string, DeviceState>();

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
   * would hold no history and take a stored reading's conflict for a new reading. The caller calls done() once
   * its writes have settled.
   */
  async ensure(deviceIds: Iterable<string>): Promise<Map<string, DeviceState>> {
    let states = await this.resolve(deviceIds);
    // A state invalidated while the others loaded is loaded again.
    for (let stale = staleIds(states); stale.length > 0; stale = staleIds(states))
      states = new Map([...states, ...(await this.resolve(stale))]);
    for (const state of states.values()) state.use();
    return states;
  }

  /** Marks the states ensure() returned as no longer used by their delivery (its writes have settled). */
  done(states: ReadonlyMap<string, DeviceState>): void {
    for (const state of states.values()) state.done();
  }

  private async resolve(deviceIds: Iterable<string>): Promise<Map<string, DeviceState>> {
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
    const retired = this.retired.get(deviceId);
    if (retired) await retired.idle();
    const since = this.lookbackMs > 0 ? this.now() - this.lookbackMs : undefined;
    const rows = await this.warehouse.recentReadings(
      deviceId,
      this.pointsPerMetric,
      since === undefined ? undefined : new Date(since).toISOString(),
    );
    if (this.states.size >= this.maxDevices) {
      const [evicted, evictedState] = this.states.entries().next().value as [string, DeviceState];
      this.retire(evicted, evictedState);
    }
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
    for (const id of deviceIds) {
      const state = this.states.get(id);
      if (!state) continue;
      state.stale = true;
      this.retire(id, state);
    }
  }

  private retire(deviceId: string, state: DeviceState): void {
    this.states.delete(deviceId);
    this.retired.set(deviceId, state);
    void state.idle().then(() => {
      if (this.retired.get(deviceId) === state) this.retired.delete(deviceId);
    });
  }
}

function staleIds(states: ReadonlyMap<string, DeviceState>): string[] {
  return [...states].filter(([, state]) => state.stale).map(([id]) => id);
}
