import type { WarehouseReader } from './read-port.js';
import type { Table } from './schema/table.js';
import { alertAcks, alerts, anomalyScores, copilotCalls, forecasts, readings, rejected } from './schema/tables.js';

/** Changes whenever the named tables may answer differently: a committed write (embedded) or a time slot (cloud). */
export type TablesVersion = (tables: readonly string[]) => number;

export interface ReadCacheOptions {
  readonly version: TablesVersion;
  /** Answers kept at most, least recently used dropped first. */
  readonly maxEntries?: number;
}

type Method = {
  [K in keyof WarehouseReader]: WarehouseReader[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof WarehouseReader];

const names = (...tables: Table[]) => tables.map((t) => t.name);
const SERIES_TABLES = names(readings, anomalyScores);
const ALERT_TABLES = names(alerts, alertAcks);

/** The tables each method's query reads (read-sql.ts; a test holds the two together). */
export const TABLES_READ: Record<Method, readonly string[]> = {
  deviceActivity: names(readings, alerts, alertAcks),
  seriesSummary: SERIES_TABLES,
  series: SERIES_TABLES,
  seriesBuckets: SERIES_TABLES,
  latestForecast: names(forecasts),
  anomalyScores: names(anomalyScores),
  alerts: ALERT_TABLES,
  alert: ALERT_TABLES,
  pipelineCounts: names(readings, rejected, anomalyScores, alerts),
  modelActivity: names(anomalyScores, forecasts),
  copilotUsage: names(copilotCalls),
};

/**
 * The read port with its answers remembered per version of the tables each query reads: identical queries at
 * one version share one warehouse query (also while it runs), and a write to one of those tables starts a new
 * version, so an answer is never older than the last write it could have seen. The version is read before the
 * query starts.
 */
export function cachedReader(reader: WarehouseReader, options: ReadCacheOptions): WarehouseReader {
  const maxEntries = options.maxEntries ?? 2000;
  const entries = new Map<string, { version: number; value: Promise<unknown> }>();
  const memo = (name: Method) => {
    const run = (reader[name] as (...args: unknown[]) => Promise<unknown>).bind(reader);
    const tables = TABLES_READ[name];
    return (...args: unknown[]): Promise<unknown> => {
      const key = `${name}:${JSON.stringify(args)}`;
      const version = options.version(tables);
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
  return Object.fromEntries(
    (Object.keys(TABLES_READ) as Method[]).map((name) => [name, memo(name)]),
  ) as unknown as WarehouseReader;
}
