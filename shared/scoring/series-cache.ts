import { StreamingDetector, type StreamParams } from '../anomaly/stream/detector.js';
import type { LoadResidualState } from './load-residual.js';

/** The streaming detector of one (device, metric) series, as this instance has fed it. */
export class SeriesState {
  readonly detector: StreamingDetector;
  /** Values stepped into the detector (warm-up replay included). */
  stepped = 0;
  /** Time of the newest value stepped in; older or equal values are late and not scored. */
  lastTsMs = Number.NEGATIVE_INFINITY;

  constructor(params: StreamParams) {
    this.detector = new StreamingDetector(params);
  }

  /** True once the detector is past its learning rows and its next score is meaningful. */
  get warm(): boolean {
    return this.stepped >= this.detector.warmupRows;
  }
}

/**
 * Per-series detector state kept in memory by one instance, bounded: the least recently used series are
 * dropped first, and a dropped (or never seen) series is rebuilt from the warehouse when it comes back.
 * The states belong to one model version; serving another version starts afresh.
 */
export class SeriesCache {
  private readonly states = new Map<string, SeriesState>();
  /** The load-residual channel per machine (load-residual.ts): it does not depend on the model served. */
  private readonly loads = new Map<string, LoadResidualState>();
  private modelKey: string | undefined;

  constructor(readonly maxSeries: number) {}

  get size(): number {
    return this.states.size;
  }

  /** Drops every state when the model (name@version) changed since the last call. */
  useModel(key: string): void {
    if (this.modelKey !== key) {
      this.states.clear();
      this.modelKey = key;
    }
  }

  get(deviceId: string, metric: string): SeriesState | undefined {
    const key = seriesKey(deviceId, metric);
    const state = this.states.get(key);
    if (state) {
      this.states.delete(key);
      this.states.set(key, state);
    }
    return state;
  }

  set(deviceId: string, metric: string, state: SeriesState): void {
    const key = seriesKey(deviceId, metric);
    this.states.delete(key);
    this.states.set(key, state);
    while (this.states.size > this.maxSeries) {
      const oldest = this.states.keys().next().value as string;
      this.states.delete(oldest);
    }
  }

  loadState(deviceId: string): LoadResidualState | undefined {
    const state = this.loads.get(deviceId);
    if (state) {
      this.loads.delete(deviceId);
      this.loads.set(deviceId, state);
    }
    return state;
  }

  setLoadState(deviceId: string, state: LoadResidualState): void {
    this.loads.delete(deviceId);
    this.loads.set(deviceId, state);
    while (this.loads.size > this.maxSeries) this.loads.delete(this.loads.keys().next().value as string);
  }

  /** Forgets a device's series (after a failed write), so the next message rebuilds them from the warehouse. */
  invalidate(deviceIds: Iterable<string>): void {
    const devices = new Set(deviceIds);
    for (const d of devices) this.loads.delete(d);
    for (const key of [...this.states.keys()]) {
      if (devices.has(key.slice(0, key.indexOf('\u0000')))) this.states.delete(key);
    }
  }
}

function seriesKey(deviceId: string, metric: string): string {
  return `${deviceId}\u0000${metric}`;
}

/** Serialises work per key (a device): messages for one device are scored one after the other, in arrival order. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
