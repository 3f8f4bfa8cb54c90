import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { isGoogleEndpoint } from '../../warehouse/bigquery.js';
import { bigQueryRefs } from './bigquery-refs.js';
import { SqlRefusedError, type StatementRefs } from './refusal.js';
import { jsonSafe, type SqlResult, type SqlRunner } from './runner.js';

export interface BigQuerySqlOptions {
  readonly projectId: string;
  /** The dataset holding the copilot_* views, which the function's identity alone can read. */
  readonly dataset: string;
  readonly location: string;
  /** Refused above this many bytes in the dry run, and billed at most this many when run. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly apiEndpoint?: string;
}

interface QueryResponse {
  totalBytesProcessed?: string;
  jobComplete?: boolean;
  schema?: { fields?: Array<{ name: string }> };
  rows?: unknown[];
}

/**
 * Guarded SQL on BigQuery through jobs.query: a dry run first (refused above the byte cap), then the query
 * with maximumBytesBilled and a job timeout, in the views' dataset, as an identity that can read only them.
 */
export class BigQuerySqlRunner implements SqlRunner {
  readonly dialect = 'bigquery';
  private readonly client: BigQuery;

  constructor(private readonly options: BigQuerySqlOptions) {
    const clientOptions: BigQueryOptions = { projectId: options.projectId, location: options.location };
    if (options.apiEndpoint) {
      clientOptions.apiEndpoint = options.apiEndpoint;
      if (!isGoogleEndpoint(options.apiEndpoint)) clientOptions.authClient = new PassThroughClient();
    }
    this.client = new BigQuery(clientOptions);
  }

  refs(sql: string): StatementRefs {
    return bigQueryRefs(sql);
  }

  private post(json: Record<string, unknown>): Promise<QueryResponse> {
    const body = {
      query: json.query,
      useLegacySql: false,
      location: this.options.location,
      defaultDataset: { projectId: this.options.projectId, datasetId: this.options.dataset },
      ...json,
    };
    return new Promise((resolve, reject) => {
      this.client.request({ method: 'POST', uri: '/queries', json: body }, (err: Error | null, response?: unknown) =>
        err ? reject(err) : resolve(response as QueryResponse),
      );
    });
  }

  async run(sql: string): Promise<SqlResult> {
    const dry = await this.post({ query: sql, dryRun: true });
    const bytes = Number(dry.totalBytesProcessed ?? 0);
    if (bytes > this.options.maxBytes) {
      throw new SqlRefusedError(
        'byte_cap',
        `the dry run reads ${bytes} bytes, above the cap of ${this.options.maxBytes}; narrow the time range or the columns`,
      );
    }
    const answer = await this.post({
      query: sql,
      maximumBytesBilled: String(this.options.maxBytes),
      timeoutMs: this.options.timeoutMs,
      jobTimeoutMs: String(this.options.timeoutMs),
      formatOptions: { useInt64Timestamp: true },
    });
    if (!answer.jobComplete) throw new Error(`the query did not finish within ${this.options.timeoutMs} ms`);
    const fields = answer.schema?.fields ?? [];
    const rows = answer.rows
      ? (BigQuery.mergeSchemaWithRows_(answer.schema, answer.rows as never, {
          wrapIntegers: false,
          parseJSON: false,
        }) as unknown[])
      : [];
    return { columns: fields.map((f) => f.name), rows: rows.map((r) => jsonSafe(r) as Record<string, unknown>), bytes };
  }
}
