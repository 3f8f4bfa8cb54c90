import { bigQueryFields, dedupViewName, dedupViewSql, type BigQueryField } from '../../shared/warehouse/schema/ddl.js';
import type { Table } from '../../shared/warehouse/schema/table.js';
import { HttpFake, googleError, type RecordedRequest, type Reply } from './http-fake.js';

/**
 * A local server speaking the BigQuery v2 REST API as far as the warehouse adapter uses it, as
 * @google-cloud/bigquery really calls it (paths under /bigquery/v2):
 *   GET  projects/{p}/datasets/{d}                           datasets.get
 *   GET  projects/{p}/datasets/{d}/tables/{t}                tables.get (tables and views)
 *   POST projects/{p}/datasets/{d}/tables/{t}/insertAll      tabledata.insertAll
 *   POST projects/{p}/queries                                jobs.query
 *   GET  projects/{p}/queries/{jobId}                        jobs.getQueryResults
 * insertAll validates rows against the table schema the way BigQuery does (unknown or missing fields make
 * the row `invalid` and every other row `stopped`; nothing of the request is written), and drops a row whose
 * insertId it has already seen. SQL is not executed: a test answers queries with `onQuery`.
 */

export interface QueryParameter {
  type: string;
  value: unknown;
}

export interface SeenQuery {
  query: string;
  params: Record<string, QueryParameter>;
  location: string | undefined;
  body: Record<string, unknown>;
}

/** A query answer: the result schema and rows as plain values (ISO timestamps, arrays, numbers). */
export interface QueryAnswer {
  fields: ReadonlyArray<Pick<BigQueryField, 'name' | 'type' | 'mode'>>;
  rows: ReadonlyArray<Record<string, unknown>>;
  /** For a DML statement (MERGE, DELETE): the rows it changed, as BigQuery reports them. */
  numDmlAffectedRows?: number;
}

export type QueryHandler = (query: SeenQuery) => QueryAnswer | undefined;

export interface RowRejection {
  reason: string;
  message: string;
  location?: string;
}

interface StoredTable {
  kind: 'TABLE' | 'VIEW';
  table: Table;
  rows: Array<Record<string, unknown>>;
  insertIds: Set<string>;
}

interface Job {
  id: string;
  answer: QueryAnswer;
  useInt64Timestamp: boolean;
  /** getQueryResults calls still to answer jobComplete: false. */
  pendingPolls: number;
}

export interface FakeBigQueryOptions {
  projectId: string;
  datasetId: string;
  location?: string;
  tables?: readonly Table[];
  /** Also serve the `<name>_dedup` views (default true). */
  views?: boolean;
}

const LEGACY_TYPE: Record<string, string> = { FLOAT64: 'FLOAT', INT64: 'INTEGER', BOOL: 'BOOLEAN' };

/** Microseconds since the epoch of an ISO timestamp, keeping digits beyond the millisecond. */
export function isoToMicros(iso: string): bigint {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${iso}`);
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const seconds = BigInt(Math.floor(ms / 1000));
  return seconds * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

function encodeScalar(type: string, value: unknown, useInt64Timestamp: boolean): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'TIMESTAMP': {
      const micros = isoToMicros(value as string);
      // Without formatOptions.useInt64Timestamp the API answers float seconds in E notation.
      return useInt64Timestamp ? micros.toString() : (Number(micros) / 1e6).toExponential().replace('e+', 'E');
    }
    case 'BOOL':
    case 'BOOLEAN':
      return (value as boolean) ? 'true' : 'false';
    default:
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : JSON.stringify(value);
  }
}

/** Query rows in the REST shape: `{ f: [{ v }] }`, every scalar a string, REPEATED as `[{ v }]`. */
function encodeRows(answer: QueryAnswer, useInt64Timestamp: boolean) {
  return answer.rows.map((row) => ({
    f: answer.fields.map((field) => {
      const value = row[field.name];
      if (field.mode === 'REPEATED') {
        return {
          v: ((value as unknown[] | null) ?? []).map((x) => ({ v: encodeScalar(field.type, x, useInt64Timestamp) })),
        };
      }
      return { v: encodeScalar(field.type, value, useInt64Timestamp) };
    }),
  }));
}

/** Why BigQuery would refuse a value for a column, or undefined. */
function invalidValue(field: BigQueryField, value: unknown): string | undefined {
  const scalar = (v: unknown): boolean => {
    switch (field.type) {
      case 'STRING':
      case 'JSON':
        return typeof v === 'string';
      case 'FLOAT64':
        return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)));
      case 'INT64':
        return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
      case 'BOOLEAN':
        return typeof v === 'boolean' || v === 'true' || v === 'false';
      case 'TIMESTAMP':
        return typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
    }
  };
  if (field.mode === 'REPEATED') {
    if (value === null || value === undefined) return undefined;
    if (!Array.isArray(value)) return `Array specified for non-repeated field: ${field.name}.`;
    return value.every(scalar) ? undefined : `Cannot convert value to ${field.type.toLowerCase()}: ${field.name}.`;
  }
  if (value === null || value === undefined) {
    return field.mode === 'REQUIRED' ? `Missing required field: ${field.name}.` : undefined;
  }
  if (Array.isArray(value)) return `Array specified for non-repeated field: ${field.name}.`;
  return scalar(value) ? undefined : `Cannot convert value to ${field.type.toLowerCase()}: ${field.name}.`;
}

export class FakeBigQuery extends HttpFake {
  private readonly tables = new Map<string, StoredTable>();
  private readonly jobs = new Map<string, Job>();
  private readonly queryHandlers: QueryHandler[] = [];
  private rejections: Array<(table: string, row: Record<string, unknown>) => RowRejection | undefined> = [];
  private jobCounter = 0;
  /** Rows per page of query results; a longer result is paged with pageToken. */
  pageSize = 1000;
  /** getQueryResults polls answered jobComplete: false before the rows (jobs.query then answers incomplete). */
  pollsBeforeComplete = 0;
  /** Bytes a query would process: what a dry run reports, and what maximumBytesBilled is checked against. */
  bytesProcessed: (query: string) => number = () => 0;
  readonly projectId: string;
  readonly datasetId: string;
  readonly location: string;
  datasetExists = true;
  /** Rows dropped because their insertId had been seen before. */
  duplicatesDropped = 0;

  private constructor(options: FakeBigQueryOptions) {
    super();
    this.projectId = options.projectId;
    this.datasetId = options.datasetId;
    this.location = options.location ?? 'EU';
    for (const table of options.tables ?? []) {
      this.tables.set(table.name, { kind: 'TABLE', table, rows: [], insertIds: new Set() });
      if (options.views !== false) {
        this.tables.set(dedupViewName(table), { kind: 'VIEW', table, rows: [], insertIds: new Set() });
      }
    }
  }

  static start(options: FakeBigQueryOptions): Promise<FakeBigQuery> {
    return new FakeBigQuery(options).listen();
  }

  /** Rows stored in a table, in insert order, deduplicated by insertId. */
  rows(table: string): Array<Record<string, unknown>> {
    return this.tables.get(table)?.rows ?? [];
  }

  /** insertAll requests received for a table (after injected failures, whatever their answer). */
  insertRequests(table: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/tables/${table}/insertAll`));
  }

  queryRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/queries'));
  }

  dropTable(name: string): void {
    this.tables.delete(name);
  }

  /** Marks rows the server refuses (e.g. a value out of range), as BigQuery reports them in insertErrors. */
  rejectRows(check: (table: string, row: Record<string, unknown>) => RowRejection | undefined): void {
    this.rejections.push(check);
  }

  onQuery(handler: QueryHandler): void {
    this.queryHandlers.push(handler);
  }

  protected handle(req: RecordedRequest): Reply {
    const p = '/bigquery/v2/projects/';
    if (!req.path.startsWith(p)) return googleError(404, `Not found: ${req.path}`, 'notFound');
    const parts = req.path.slice(p.length).split('/');
    const [project, collection, id, sub, tableId, action] = parts;
    if (project !== this.projectId) return googleError(404, `Not found: Project ${project}`, 'notFound');
    if (collection === 'queries') {
      if (req.method === 'POST' && parts.length === 2) return this.jobsQuery(req);
      if (req.method === 'GET' && parts.length === 3) return this.getQueryResults(req, id!);
    }
    if (collection === 'datasets' && id) {
      if (id !== this.datasetId || !this.datasetExists) {
        return googleError(404, `Not found: Dataset ${project}:${id}`, 'notFound');
      }
      if (req.method === 'GET' && parts.length === 3) return this.datasetResource();
      if (sub === 'tables' && tableId) {
        const stored = this.tables.get(tableId);
        if (!stored) return googleError(404, `Not found: Table ${project}:${id}.${tableId}`, 'notFound');
        if (req.method === 'GET' && parts.length === 5) return this.tableResource(tableId, stored);
        if (req.method === 'POST' && action === 'insertAll' && parts.length === 6) return this.insertAll(req, stored);
      }
    }
    return googleError(404, `Not found: ${req.method} ${req.path}`, 'notFound');
  }

  private datasetResource(): Reply {
    const ref = { projectId: this.projectId, datasetId: this.datasetId };
    return {
      status: 200,
      body: {
        kind: 'bigquery#dataset',
        id: `${this.projectId}:${this.datasetId}`,
        datasetReference: ref,
        location: this.location,
      },
    };
  }

  private tableResource(tableId: string, stored: StoredTable): Reply {
    const { table } = stored;
    const body: Record<string, unknown> = {
      kind: 'bigquery#table',
      id: `${this.projectId}:${this.datasetId}.${tableId}`,
      tableReference: { projectId: this.projectId, datasetId: this.datasetId, tableId },
      type: stored.kind,
      location: this.location,
      schema: { fields: bigQueryFields(table) },
    };
    if (stored.kind === 'TABLE') {
      body.timePartitioning = { type: 'DAY', field: table.partitionBy };
      body.clustering = { fields: table.clusterBy };
    } else {
      const base = `\`${this.projectId}.${this.datasetId}.${table.name}\``;
      body.view = { query: dedupViewSql(table, base), useLegacySql: false };
    }
    return { status: 200, body };
  }

  private insertAll(req: RecordedRequest, stored: StoredTable): Reply {
    if (stored.kind === 'VIEW') return googleError(400, 'Cannot add rows to a table of type VIEW.', 'invalid');
    const body = req.body as
      { rows?: Array<{ insertId?: string; json?: Record<string, unknown> }>; skipInvalidRows?: boolean } | undefined;
    if (!Array.isArray(body?.rows) || body.rows.length === 0)
      return googleError(400, 'No rows present in the request.', 'invalid');
    if (body.rows.length > 50_000)
      return googleError(400, 'too many rows present in the request, limit: 50000', 'invalid');
    const fields = new Map(bigQueryFields(stored.table).map((f) => [f.name, f]));
    const problems = body.rows.map((row) => this.rowProblem(stored.table, fields, row.json));
    const invalid = problems.flatMap((problem, index) => (problem ? [{ index, errors: [problem] }] : []));
    if (invalid.length > 0 && !body.skipInvalidRows) {
      // Nothing of the request is written; the valid rows are reported as stopped.
      const stopped = problems.flatMap((problem, index) =>
        problem ? [] : [{ index, errors: [{ reason: 'stopped', location: '', message: '' }] }],
      );
      const insertErrors = [...invalid, ...stopped].sort((a, b) => a.index - b.index);
      return { status: 200, body: { kind: 'bigquery#tableDataInsertAllResponse', insertErrors } };
    }
    body.rows.forEach((row, index) => {
      if (problems[index]) return;
      if (row.insertId !== undefined && stored.insertIds.has(row.insertId)) {
        this.duplicatesDropped++;
        return;
      }
      if (row.insertId !== undefined) stored.insertIds.add(row.insertId);
      stored.rows.push(structuredClone(row.json!));
    });
    const answer: Record<string, unknown> = { kind: 'bigquery#tableDataInsertAllResponse' };
    if (invalid.length > 0) answer.insertErrors = invalid;
    return { status: 200, body: answer };
  }

  private rowProblem(table: Table, fields: Map<string, BigQueryField>, json: unknown): RowRejection | undefined {
    if (!json || typeof json !== 'object' || Array.isArray(json))
      return { reason: 'invalid', message: 'Missing row json.' };
    const row = json as Record<string, unknown>;
    const unknown = Object.keys(row).find((k) => !fields.has(k));
    if (unknown) return { reason: 'invalid', location: unknown, message: `no such field: ${unknown}.` };
    for (const field of fields.values()) {
      const message = invalidValue(field, row[field.name]);
      if (message) return { reason: 'invalid', location: field.name, message };
    }
    for (const check of this.rejections) {
      const rejection = check(table.name, row);
      if (rejection) return rejection;
    }
    return undefined;
  }

  private jobsQuery(req: RecordedRequest): Reply {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.query !== 'string') return googleError(400, 'Required parameter is missing: query', 'required');
    if (body.useLegacySql !== false)
      return googleError(400, 'The fake speaks GoogleSQL only: set useLegacySql false', 'invalidQuery');
    const location = typeof body.location === 'string' ? body.location : undefined;
    if (location && location.toLowerCase() !== this.location.toLowerCase()) {
      return googleError(
        404,
        `Not found: Dataset ${this.projectId}:${this.datasetId} was not found in location ${location}`,
        'notFound',
      );
    }
    const params: Record<string, QueryParameter> = {};
    const list = (body.queryParameters ?? []) as Array<{
      name?: string;
      parameterType?: { type?: string };
      parameterValue?: { value?: unknown };
    }>;
    for (const p of list) {
      if (!p.name) return googleError(400, 'Query parameters must be named (parameterMode NAMED)', 'invalidQuery');
      params[p.name] = { type: p.parameterType?.type ?? '', value: p.parameterValue?.value };
    }
    for (const [name] of body.query.matchAll(/@(\w+)/g)) {
      if (!(name.slice(1) in params))
        return googleError(400, `Query parameter '${name.slice(1)}' not found`, 'invalidQuery');
    }
    const bytes = this.bytesProcessed(body.query);
    if (body.dryRun === true) {
      return {
        status: 200,
        body: {
          kind: 'bigquery#queryResponse',
          jobComplete: true,
          totalBytesProcessed: String(bytes),
          schema: { fields: [] },
        },
      };
    }
    if (body.maximumBytesBilled !== undefined && bytes > Number(body.maximumBytesBilled)) {
      return googleError(
        400,
        `Query exceeded limit for bytes billed: ${Number(body.maximumBytesBilled)}. ${bytes} or higher required.`,
        'bytesBilledLimitExceeded',
      );
    }
    const seen: SeenQuery = { query: body.query, params, location, body };
    const answer = this.queryHandlers.map((h) => h(seen)).find((a) => a !== undefined);
    if (!answer) return googleError(400, `The fake has no answer for this query: ${body.query}`, 'invalidQuery');
    const formatOptions = body.formatOptions as { useInt64Timestamp?: boolean } | undefined;
    const job: Job = {
      id: `job_fake_${++this.jobCounter}`,
      answer,
      useInt64Timestamp: formatOptions?.useInt64Timestamp === true,
      pendingPolls: this.pollsBeforeComplete,
    };
    this.jobs.set(job.id, job);
    const jobReference = { projectId: this.projectId, jobId: job.id, location: this.location };
    if (job.pendingPolls > 0) {
      return { status: 200, body: { kind: 'bigquery#queryResponse', jobReference, jobComplete: false } };
    }
    return {
      status: 200,
      body: { kind: 'bigquery#queryResponse', ...this.page(job, 0, this.pageSize, job.useInt64Timestamp) },
    };
  }

  private getQueryResults(req: RecordedRequest, jobId: string): Reply {
    const job = this.jobs.get(jobId);
    if (!job) return googleError(404, `Not found: Job ${this.projectId}:${jobId}`, 'notFound');
    const jobReference = { projectId: this.projectId, jobId, location: this.location };
    if (job.pendingPolls > 0) {
      job.pendingPolls--;
      return { status: 200, body: { kind: 'bigquery#getQueryResultsResponse', jobReference, jobComplete: false } };
    }
    const start = Number(req.query.pageToken ?? req.query.startIndex ?? 0);
    const max = req.query.maxResults ? Number(req.query.maxResults) : this.pageSize;
    const int64 = req.query['formatOptions.useInt64Timestamp'] === 'true';
    return { status: 200, body: { kind: 'bigquery#getQueryResultsResponse', ...this.page(job, start, max, int64) } };
  }

  private page(job: Job, start: number, max: number, useInt64Timestamp: boolean) {
    const rows = job.answer.rows.slice(start, start + max);
    const next = start + rows.length;
    return {
      jobReference: { projectId: this.projectId, jobId: job.id, location: this.location },
      schema: {
        fields: job.answer.fields.map((f) => ({ name: f.name, type: LEGACY_TYPE[f.type] ?? f.type, mode: f.mode })),
      },
      rows: encodeRows({ fields: job.answer.fields, rows }, useInt64Timestamp),
      totalRows: String(job.answer.rows.length),
      jobComplete: true,
      cacheHit: false,
      totalBytesProcessed: '0',
      ...(job.answer.numDmlAffectedRows === undefined
        ? {}
        : { numDmlAffectedRows: String(job.answer.numDmlAffectedRows) }),
      ...(next < job.answer.rows.length ? { pageToken: String(next) } : {}),
    };
  }
}
