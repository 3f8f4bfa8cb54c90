import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckDbRefs } from './duckdb-refs.js';
import type { StatementRefs } from './refusal.js';
import { jsonSafe, type SqlResult, type SqlRunner } from './runner.js';

/**
 * Guarded SQL on the embedded warehouse: its own connection, every statement in a READ ONLY transaction,
 * external access (files, network, extensions) off and the configuration locked for the whole instance, so
 * that no statement, guarded or not, can turn them back on.
 */
export class DuckDbSqlRunner implements SqlRunner {
  readonly dialect = 'duckdb';
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly timeoutMs: number,
    private readonly onClose?: () => void,
  ) {}

  /** On a connection of the running warehouse's instance (one process owns the file). */
  static async onConnection(connection: DuckDBConnection, timeoutMs = 30_000): Promise<DuckDbSqlRunner> {
    await lockDown(connection);
    return new DuckDbSqlRunner(connection, timeoutMs);
  }

  /** On the warehouse file opened read-only by this process alone (`kilowatch sql` with no host running). */
  static async openReadOnly(path: string, timeoutMs = 30_000): Promise<DuckDbSqlRunner> {
    const instance = await DuckDBInstance.create(path, {
      access_mode: 'READ_ONLY',
      enable_external_access: 'false',
      lock_configuration: 'true',
    });
    const connection = await instance.connect();
    return new DuckDbSqlRunner(connection, timeoutMs, () => {
      connection.closeSync();
      instance.closeSync();
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  refs(sql: string): Promise<StatementRefs> {
    return this.serial(async () => {
      const reader = await this.connection.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR) AS ast', { sql });
      const ast = reader.getRowObjectsJS()[0]?.ast;
      if (typeof ast !== 'string') throw new Error('json_serialize_sql returned no text');
      return duckDbRefs(ast);
    });
  }

  run(sql: string): Promise<SqlResult> {
    return this.serial(async () => {
      const timer = setTimeout(() => this.connection.interrupt(), this.timeoutMs);
      await this.connection.run('BEGIN TRANSACTION READ ONLY');
      try {
        const reader = await this.connection.runAndReadAll(sql);
        const columns = reader.columnNames();
        const rows = reader.getRowObjectsJS().map((r) => jsonSafe(r) as Record<string, unknown>);
        return { columns, rows, bytes: null };
      } catch (error) {
        if (/interrupt/i.test((error as Error).message))
          throw new Error(`the query ran past ${this.timeoutMs} ms and was stopped`, { cause: error });
        throw error;
      } finally {
        clearTimeout(timer);
        await this.connection.run('ROLLBACK');
      }
    });
  }

  close(): void {
    this.onClose?.();
  }
}

/** Turns external access off and locks the configuration; a second runner on a locked instance checks it instead. */
async function lockDown(connection: DuckDBConnection): Promise<void> {
  const setting = async (name: string): Promise<string> =>
    JSON.stringify(
      (await connection.runAndReadAll(`SELECT current_setting('${name}') AS v`)).getRowObjectsJS()[0]?.v,
    ).replaceAll('"', '');
  if ((await setting('lock_configuration')) !== 'true') {
    await connection.run('SET enable_external_access = false');
    await connection.run('SET lock_configuration = true');
  }
  if ((await setting('enable_external_access')) !== 'false') {
    throw new Error('the warehouse instance is locked with external access on; guarded SQL will not run on it');
  }
}
