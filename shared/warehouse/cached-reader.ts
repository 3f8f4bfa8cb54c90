import type { WarehouseReader } from './read-port.js';

export interface ReadCacheOptions {
  /** Changes whenever the warehouse may answer differently: a committed write (embedded) or a time slot (cloud). */
  readonly version: () => number;
  /** Answers kept at most, least recently used dropped first. */
  readonly maxEntries?: number;
}

type Method = {
  [K in keyof WarehouseReader]: WarehouseReader[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof WarehouseReader];

const METHODS = [
  'deviceActivity',
  'seriesSummary',
  'series',
  'seriesBuckets',
  'latestForecast',
  'anomalyScores',
  'alerts',
  'alert',
  'pipelineCounts',
  'modelActivity',
  'copilotUsage',
] as const satisfies readonly Method[];

/**
 * The read port with its answers remembered per warehouse version: identical queries at one version share one
 * warehouse query (also while it runs), and any write starts a new version, so an answer is never older than
 * the last write it could have seen. The version is read before the query starts.
 */
export function cachedReader(reader: WarehouseReader, options: ReadCacheOptions): WarehouseReader {
  const maxEntries = options.maxEntries ?? 2000;
  const entries = new Map<string, { version: number; value: Promise<unknown> }>();
  const memo = (name: Method) => {
    const run = (reader[name] as (...args: unknown[]) => Promise<unknown>).bind(reader);
    return (...args: unknown[]): Promise<unknown> => {
      const key = `${name}:${JSON.stringify(args)}`;
      const version = options.version();
      const hit = entries.get(key);
      entries.delete(key);
      if (hit && hit.version === version) {
        entries.set(key, hit);
        return hit.value;
      }
      const value = run(...args);
      entries.set(key, { version, value });
      // A failure is not remembered: the next identical query tries again.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    };
  };
  return Object.fromEntries(METHODS.map((name) => [name, memo(name)])) as unknown as WarehouseReader;
}
