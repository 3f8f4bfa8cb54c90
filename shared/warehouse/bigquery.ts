import { BigQuery, type BigQueryOptions, type Dataset } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { TransientError } from '../errors/transient.js';
import type { Warehouse } from './port.js';
import { classifyBigQueryError, isTransientBigQueryError } from './bigquery-errors.js';
import {
  bigQueryRowValues,
  chunkInsertRows,
  fromBigQueryRow,
  toInsertRows,
  type InsertAllRow,
} from './bigquery-rows.js';
import { storedReadings } from './stored-readings.js';
import { bigQueryFields, dedupViewName } from './schema/ddl.js';
import type { RowOf, Table } from './schema/table.js';
import { TABLES, forecasts, readings, type ForecastRow, type ReadingRow } from './schema/tables.js';

export interface BigQueryRetryOptions {
  /** Retries of a retryable answer (5xx, 429, rate limits, network) inside one call; 0 turns them off. */
  maxRetries?: number;
  /** Longest wait between two retries, in seconds. */
  maxRetryDelaySeconds?: number;
  /** Time after which the call gives up retrying, in seconds. */
  totalTimeoutSeconds?: number;
}

export interface BigQueryWarehouseOptions {
  projectId: string;
  dataset: string;
  location: string;
  /**
   * Endpoint override (BIGQUERY_API_ENDPOINT). A host outside googleapis.com is a local server speaking the
   * REST API (tests, emulators): requests then carry no credentials and no Google auth lookup happens.
   */
  apiEndpoint?: string;
  retry?: BigQueryRetryOptions;
  /** insertAll requests in flight at once within one insert call. */
  insertConcurrency?: number;
  /** Bounds of every select (the api's reads answer people): bytes a query may bill, and how long it may take. */
  readLimits?: { maximumBytesBilled: number; timeoutMs: number };
}

/** Defaults fit a function handling one push: a few quick retries, then TransientError and redelivery. */
const DEFAULT_RETRY: Required<BigQueryRetryOptions> = {
  maxRetries: 3,
  maxRetryDelaySeconds: 8,
  totalTimeoutSeconds: 30,
};
const PROJECT_ID = /^[a-z0-9.:-]{1,100}$/i;
const DATASET_ID = /^\w{1,1024}$/;
const INIT_HINT = 'run the infra deploy (docs/deploy.md)';

/** Whether an endpoint is Google's (authenticate) or a local stand-in (no credentials). */
export function isGoogleEndpoint(apiEndpoint: string): boolean {
  const host = new URL(/^\w+:\/\//.test(apiEndpoint) ? apiEndpoint : `https://${apiEndpoint}`).hostname;
  return host === 'googleapis.com' || host.endsWith('.googleapis.com');
}

/** The client library configured for a warehouse: retries, location, and no credentials toward a local stand-in. */
export function createBigQueryClient(options: BigQueryWarehouseOptions): BigQuery {
  if (!PROJECT_ID.test(options.projectId)) throw new Error(`invalid BigQuery project id: ${options.projectId}`);
  if (!DATASET_ID.test(options.dataset)) throw new Error(`invalid BigQuery dataset id: ${options.dataset}`);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const clientOptions: BigQueryOptions = {
    projectId: options.projectId,
    location: options.location,
    retryOptions: {
      // The library reads maxRetries 0 as "default"; autoRetry false is how retries are turned off.
      autoRetry: retry.maxRetries > 0,
      maxRetries: retry.maxRetries,
      maxRetryDelay: retry.maxRetryDelaySeconds,
      totalTimeout: retry.totalTimeoutSeconds,
    },
  };
  if (options.apiEndpoint) {
    clientOptions.apiEndpoint = options.apiEndpoint;
    if (!isGoogleEndpoint(options.apiEndpoint)) clientOptions.authClient = new PassThroughClient();
  }
  return new BigQuery(clientOptions);
}

/**
 * The warehouse on BigQuery: streaming inserts with insertId = row key, queries on the `<table>_dedup` views
 * (insertId deduplication is best effort only). Tables and views are created by infra, never here.
 */
export class BigQueryWarehouse implements Warehouse {
  private readonly client: BigQuery;
  private readonly dataset: Dataset;
  private readonly projectId: string;
  private readonly datasetId: string;
  private readonly location: string;
  private readonly insertConcurrency: number;
  private readonly readLimits: BigQueryWarehouseOptions['readLimits'];

  constructor(options: BigQueryWarehouseOptions) {
    this.client = createBigQueryClient(options);
    this.projectId = options.projectId;
    this.datasetId = options.dataset;
    this.location = options.location;
    this.insertConcurrency = Math.max(1, options.insertConcurrency ?? 4);
    this.readLimits = options.readLimits;
    this.dataset = this.client.dataset(options.dataset, { projectId: options.projectId, location: options.location });
  }

  async init(): Promise<void> {
    const where = `BigQuery dataset ${this.projectId}:${this.datasetId}`;
    const dataset = await this.metadataOrMissing(() => this.dataset.getMetadata(), 'dataset get');
    if (!dataset) throw new Error(`${where} does not exist (location ${this.location}): ${INIT_HINT}`);
    const problems: string[] = [];
    const location = typeof dataset.location === 'string' ? dataset.location : undefined;
    if (location && location.toLowerCase() !== this.location.toLowerCase()) {
      problems.push(`it is in location ${location} but KILOWATCH_BQ_LOCATION is ${this.location}`);
    }
    const missingTables: string[] = [];
    const missingViews: string[] = [];
    await Promise.all(
      TABLES.map(async (table) => {
        const [meta, view] = await Promise.all([
          this.metadataOrMissing(() => this.dataset.table(table.name).getMetadata(), `table ${table.name} get`),
          this.metadataOrMissing(() => this.dataset.table(dedupViewName(table)).getMetadata(), `view get`),
        ]);
        if (!meta) missingTables.push(table.name);
        if (!view) missingViews.push(dedupViewName(table));
        if (meta) {
          const fields = (meta.schema as { fields?: Array<{ name?: string }> } | undefined)?.fields ?? [];
          const have = new Set(fields.map((f) => f.name));
          const lacking = bigQueryFields(table)
            .filter((f) => !have.has(f.name))
            .map((f) => f.name);
          if (lacking.length > 0) problems.push(`table ${table.name} lacks columns ${lacking.join(', ')}`);
        }
      }),
    );
    if (missingTables.length > 0) problems.unshift(`missing tables ${missingTables.sort().join(', ')}`);
    if (missingViews.length > 0) problems.push(`missing views ${missingViews.sort().join(', ')}`);
    if (problems.length > 0) throw new Error(`${where} is not ready: ${problems.join('; ')}: ${INIT_HINT}`);
  }

  async insert<T extends Table>(table: T, rows: ReadonlyArray<RowOf<T>>): Promise<void> {
    if (rows.length === 0) return;
    const chunks = chunkInsertRows(toInsertRows(table, rows));
    const target = this.dataset.table(table.name);
    const firstRow: number[] = [];
    let start = 0;
    for (const chunk of chunks) {
      firstRow.push(start);
      start += chunk.length;
    }
    const failures: unknown[] = [];
    let next = 0;
    // A few requests in flight; once one fails no new chunk starts, since the call fails as a whole.
    const worker = async (): Promise<void> => {
      while (next < chunks.length && failures.length === 0) {
        const i = next++;
        try {
          await this.insertChunk(table, target, chunks[i]!, firstRow[i]!);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.insertConcurrency, chunks.length) }, worker));
    // A transient failure wins: redelivery re-sends every chunk and insertId keeps the ones that landed single.
    const transient = failures.find((f) => f instanceof TransientError);
    if (transient) throw transient;
    if (failures.length > 0) throw failures[0];
  }

  async recentReadings(deviceId: string, perMetric: number, since?: string): Promise<ReadingRow[]> {
    if (!Number.isSafeInteger(perMetric) || perMetric < 0) {
      throw new RangeError(`perMetric must be a non-negative integer, got ${perMetric}`);
    }
    if (perMetric === 0) return [];
    // Filter on the device before deduplicating (all duplicates of a reading share its device) so that
    // clustering prunes the scan; the dedup view would number every row of the table first.
    const query =
      `SELECT * FROM (${this.deviceReadingsSql('device_id = @device_id AND ts >= TIMESTAMP(@since)')}) WHERE TRUE ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY metric ORDER BY ts DESC) <= @n ` +
      `ORDER BY ts DESC, metric`;
    const params = { device_id: deviceId, n: perMetric, since: since ?? '1970-01-01T00:00:00Z' };
    const rows = await this.query(query, params, 'recentReadings');
    return storedReadings(rows.map((r) => bigQueryRowValues(readings, r)));
  }

  async knownReadings(
    deviceId: string,
    readingIds: readonly string[],
    from: string,
    to: string,
  ): Promise<ReadingRow[]> {
    if (readingIds.length === 0) return [];
    const query = this.deviceReadingsSql(
      'device_id = @device_id AND ts BETWEEN TIMESTAMP(@from) AND TIMESTAMP(@to) AND reading_id IN UNNEST(@ids)',
    );
    const rows = await this.query(query, { device_id: deviceId, from, to, ids: [...readingIds] }, 'knownReadings');
    return storedReadings(rows.map((r) => bigQueryRowValues(readings, r)));
  }

  async readingsBetween(deviceId: string, metrics: readonly string[], from: string, to: string): Promise<ReadingRow[]> {
    if (metrics.length === 0) return [];
    const query =
      this.deviceReadingsSql(
        'device_id = @device_id AND metric IN UNNEST(@metrics) AND ts >= TIMESTAMP(@from) AND ts < TIMESTAMP(@to)',
      ) + ' ORDER BY ts, metric';
    const rows = await this.query(query, { device_id: deviceId, metrics: [...metrics], from, to }, 'readingsBetween');
    return storedReadings(rows.map((r) => bigQueryRowValues(readings, r)));
  }

  async latestForecasts(deviceId: string, metric: string, from: string, to: string): Promise<ForecastRow[]> {
    // The target range prunes partitions; deduplicate after filtering (duplicates share device, metric
    // and target), then keep the latest origin of each target.
    const columns = Object.keys(forecasts.columns).join(', ');
    const query =
      `SELECT * FROM (` +
      `SELECT ${columns} FROM ${this.qualified(forecasts.name)} ` +
      `WHERE device_id = @device_id AND metric = @metric AND target_ts BETWEEN TIMESTAMP(@from) AND TIMESTAMP(@to) ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY forecast_id ORDER BY issued_at) = 1` +
      `) WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY target_ts ORDER BY origin DESC, issued_at DESC) = 1 ` +
      `ORDER BY target_ts`;
    const rows = await this.query(query, { device_id: deviceId, metric, from, to }, 'latestForecasts');
    return rows.map((r) => fromBigQueryRow(forecasts, r));
  }

  private deviceReadingsSql(where: string): string {
    const columns = Object.keys(readings.columns).join(', ');
    return (
      `SELECT ${columns} FROM ${this.qualified(readings.name)} WHERE ${where} ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1`
    );
  }

  async counts(): Promise<Record<string, number>> {
    const query = TABLES.map(
      (t) => `SELECT '${t.name}' AS table_name, COUNT(*) AS row_count FROM ${this.qualified(dedupViewName(t))}`,
    ).join(' UNION ALL ');
    const rows = await this.query(query, {}, 'counts');
    const counts: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t.name, 0]));
    for (const r of rows) counts[String(r.table_name)] = Number(r.row_count);
    return counts;
  }

  async close(): Promise<void> {
    // The client holds no sockets or timers worth releasing.
  }

  /** Read-only SQL for read-side adapters over this dataset; parameters are bound, never spliced. */
  select(
    query: string,
    params: Record<string, string | number | string[]>,
    what: string,
  ): Promise<Array<Record<string, unknown>>> {
    return this.query(query, params, what);
  }

  /** A statement that returns no rows (MERGE, EXPORT DATA), parameters bound; returns the rows a DML statement changed. */
  async execute(query: string, params: Record<string, string | number>, what: string): Promise<number> {
    try {
      // The library resolves [rows, nextQuery, response] although its type names two elements.
      const result: unknown[] = await this.client.query({
        query,
        params,
        location: this.location,
        useLegacySql: false,
      });
      return Number((result[2] as { numDmlAffectedRows?: string } | undefined)?.numDmlAffectedRows ?? 0);
    } catch (error) {
      throw classifyBigQueryError(error, `statement (${what})`);
    }
  }

  /** A table or view of this dataset, quoted for SQL. */
  qualified(name: string): string {
    return `\`${this.projectId}.${this.datasetId}.${name}\``;
  }

  private async query(query: string, params: Record<string, string | number | string[]>, what: string) {
    try {
      const limits = this.readLimits;
      const [rows] = await this.client.query(
        {
          query,
          params,
          location: this.location,
          useLegacySql: false,
          ...(limits ? { maximumBytesBilled: String(limits.maximumBytesBilled) } : {}),
        },
        limits ? { timeoutMs: limits.timeoutMs } : {},
      );
      return rows as Array<Record<string, unknown>>;
    } catch (error) {
      throw classifyBigQueryError(error, `query (${what})`);
    }
  }

  private async insertChunk(table: Table, target: ReturnType<Dataset['table']>, chunk: InsertAllRow[], start: number) {
    try {
      // partialRetries 0: the library would otherwise re-send a rejected batch three times before failing.
      await target.insert(chunk, { raw: true, partialRetries: 0 });
    } catch (error) {
      throw rowFailure(table, chunk, start, error) ?? classifyBigQueryError(error, `insertAll into ${table.name}`);
    }
  }

  /** Metadata of a resource, undefined when BigQuery answers 404. */
  private async metadataOrMissing(get: () => Promise<unknown[]>, what: string) {
    try {
      const [meta] = await get();
      return meta as Record<string, unknown>;
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return undefined;
      throw classifyBigQueryError(error, what);
    }
  }
}

interface InsertErrorEntry {
  index?: number;
  errors?: Array<{ reason?: string; message?: string; location?: string }>;
}

/**
 * The error for a PartialFailureError (insertErrors in a 200 answer). Without skipInvalidRows BigQuery writes
 * none of the request's rows when one is invalid, and marks the valid ones `stopped`: the first other reason
 * names the culprit. Only rate limits and backend errors are worth a retry.
 */
function rowFailure(table: Table, chunk: InsertAllRow[], start: number, error: unknown): Error | undefined {
  if ((error as { name?: unknown }).name !== 'PartialFailureError') return undefined;
  const insertErrors = (
    (error as { response?: { insertErrors?: InsertErrorEntry[] } }).response?.insertErrors ?? []
  ).flatMap((e) => (e.errors ?? []).map((detail) => ({ index: e.index ?? 0, ...detail })));
  const culprits = insertErrors.filter((e) => e.reason !== 'stopped');
  const first = culprits[0] ?? insertErrors[0];
  if (!first) return undefined;
  const row = chunk[first.index];
  const where = `${table.name} row ${start + first.index}${row ? ` (${table.key} ${row.insertId})` : ''}`;
  const detail =
    `${first.reason ?? 'error'}${first.location ? ` at ${first.location}` : ''}: ${first.message ?? ''}`.trim();
  const more = culprits.length > 1 ? ` (and ${culprits.length - 1} more row errors)` : '';
  if (culprits.length > 0 && culprits.every((c) => isTransientBigQueryError({ errors: [c] }))) {
    return new TransientError(`BigQuery insertAll into ${where} failed, worth a retry: ${detail}${more}`, {
      cause: error,
    });
  }
  return new Error(`BigQuery rejected ${where}: ${detail}${more}`, { cause: error });
}
