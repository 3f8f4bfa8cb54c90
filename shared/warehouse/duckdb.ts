import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  DuckDBInstance,
  listValue,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
} from '@duckdb/node-api';
import { COPILOT_VIEWS, copilotViewSql } from './schema/copilot-views.js';
import { dedupViewName, dedupViewSql, duckdbAddNullableColumns, duckdbCreateTable } from './schema/ddl.js';
import type { RowOf, Table } from './schema/table.js';
import { forecasts, TABLES, type ForecastRow, type ReadingRow } from './schema/tables.js';
import type { Warehouse } from './port.js';
import { concat } from '../collections/concat.js';
import { TransientError } from '../errors/transient.js';
import { storedReadings } from './stored-readings.js';
import { DICTIONARY_TYPE, Stage } from './duckdb-stage.js';

/** A TIMESTAMPTZ column as the ISO UTC text rows carry, under its own name. */
function isoUtc(column: string): string {
  return `strftime(${column} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ${column}`;
}

/**
 * Files this process holds open. DuckDB's file lock is per process, so a second instance on the same file in
 * the same process is not refused by DuckDB itself; two instances writing one file and its write-ahead log
 * lose committed rows and can leave a file that no longer opens.
 */
const openFiles = new Set<string>();

/**
 * The embedded warehouse: one DuckDB file. Rows are appended to a staging table and moved in one
 * statement that skips keys already present, so writes are idempotent on the table key.
 * One connection, one operation at a time: DuckDB transactions on a connection do not interleave.
 */
export class DuckDbWarehouse implements Warehouse {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<
    Table,
    Array<{ rows: readonly unknown[]; resolve: () => void; reject: (e: unknown) => void }>
  >();
  private readonly readConnections: DuckDBConnection[] = [];
  private readonly stages = new Map<Table, Stage>();
  /** Each table's move statement, prepared once: planning it cost about as much as running it on small writes. */
  private readonly moves = new Map<Table, DuckDBPreparedStatement>();
  /** Committed writes per table since the warehouse opened. */
  private readonly versions = new Map<string, number>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly file: string | undefined,
  ) {}

  /** Opens the file; a file this process already holds is refused (one handle per file per process). */
  static async open(path: string): Promise<DuckDbWarehouse> {
    const file = path === ':memory:' ? undefined : resolve(path);
    if (file) {
      if (openFiles.has(file)) throw new Error(`warehouse ${file} is already open in this process: share that handle`);
      mkdirSync(dirname(file), { recursive: true });
      openFiles.add(file);
    }
    try {
      const instance = await DuckDBInstance.create(path);
      return new DuckDbWarehouse(instance, await instance.connect(), file);
    } catch (error) {
      if (file) openFiles.delete(file);
      const message = (error as Error).message;
      if (/lock/i.test(message)) {
        throw new TransientError(`warehouse ${path} is locked by another process (is \`npm start\` running?)`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  init(): Promise<void> {
    return this.serial(async () => {
      // Statements prepared against the tables as they were.
      for (const move of this.moves.values()) move.destroySync();
      this.moves.clear();
      for (const table of TABLES) {
        await this.connection.run(duckdbCreateTable(table));
        for (const sql of duckdbAddNullableColumns(table)) await this.connection.run(sql);
        await this.connection.run(this.stageOf(table).createSql());
        await this.connection.run(
          `CREATE OR REPLACE VIEW "${dedupViewName(table)}" AS ${dedupViewSql(table, `"${table.name}"`)}`,
        );
      }
      for (const view of COPILOT_VIEWS) {
        await this.connection.run(
          `CREATE OR REPLACE VIEW "${view.name}" AS ${copilotViewSql(view, (t) => `"${t.name}"`)}`,
        );
      }
      // Files from before 2026-12 carry an index on (device_id, metric, ts). DuckDB never scans a compound
      // index (EXPLAIN shows sequential scans with zone maps for every read here) and every insert paid to
      // maintain it: about half the CPU of a small coalesced write (docs/BENCHMARKS.md).
      await this.connection.run('DROP INDEX IF EXISTS readings_device_metric_ts');
    });
  }

  /**
   * Writes that arrive while another is running wait for it and then go together, in one transaction:
   * concurrent requests share one commit, which is what the embedded warehouse's throughput rests on.
   */
  insert<T extends Table>(table: T, rows: ReadonlyArray<RowOf<T>>): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let group = this.pending.get(table);
      if (!group) {
        group = [];
        this.pending.set(table, group);
        void this.serial(() => this.flush(table));
      }
      group.push({ rows, resolve, reject });
    });
  }

  /**
   * One transaction for the group; if it fails, each caller's rows are written again on their own, so a
   * write that cannot succeed fails only its own caller, never the others coalesced with it.
   */
  private async flush(table: Table): Promise<void> {
    const group = this.pending.get(table) ?? [];
    this.pending.delete(table);
    if (group.length === 0) return;
    try {
      await this.write(table, concat(group.map((w) => w.rows)));
      this.committed(table);
      for (const w of group) w.resolve();
    } catch (error) {
      if (group.length === 1) return group[0]?.reject(error);
      for (const w of group) {
        await this.write(table, w.rows).then(() => {
          this.committed(table);
          w.resolve();
        }, w.reject);
      }
    }
  }

  private stageOf(table: Table): Stage {
    let stage = this.stages.get(table);
    if (!stage) this.stages.set(table, (stage = new Stage(table)));
    return stage;
  }

  private async write(table: Table, rows: readonly unknown[]): Promise<void> {
    const stage = this.stageOf(table);
    const appender = await this.connection.createAppender(stage.name, 'main', 'temp');
    // The stage is emptied whatever happens: the appender hands rows to it every 204,800 rows, so a write that
    // fails while appending has staged some, and a later write would move them.
    try {
      let dict;
      try {
        dict = stage.append(appender, rows);
      } catch (error) {
        appender.clear();
        throw error;
      } finally {
        appender.closeSync();
      }
      const move = this.moves.get(table) ?? (await this.connection.prepare(stage.moveSql()));
      this.moves.set(table, move);
      move.bind({ dict }, { dict: DICTIONARY_TYPE });
      await move.run();
    } finally {
      await this.connection.run(`DELETE FROM "${stage.name}"`);
    }
  }

  recentReadings(deviceId: string, perMetric: number, since?: string): Promise<ReadingRow[]> {
    return this.readReadings(
      `device_id = $device AND ts >= $since::TIMESTAMPTZ
       QUALIFY row_number() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1`,
      `QUALIFY row_number() OVER (PARTITION BY metric ORDER BY ts DESC) <= $n`,
      { device: deviceId, n: perMetric, since: since ?? '1970-01-01T00:00:00Z' },
    );
  }

  knownReadings(deviceId: string, readingIds: readonly string[], from: string, to: string): Promise<ReadingRow[]> {
    if (readingIds.length === 0) return Promise.resolve([]);
    return this.readReadings(
      `device_id = $device AND ts BETWEEN $from::TIMESTAMPTZ AND $to::TIMESTAMPTZ AND list_contains($ids, reading_id)
       QUALIFY row_number() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1`,
      '',
      { device: deviceId, from, to, ids: listValue([...readingIds]) },
    );
  }

  readingsBetween(deviceId: string, metrics: readonly string[], from: string, to: string): Promise<ReadingRow[]> {
    if (metrics.length === 0) return Promise.resolve([]);
    return this.readReadings(
      `device_id = $device AND list_contains($metrics, metric) AND ts >= $from::TIMESTAMPTZ AND ts < $to::TIMESTAMPTZ
       QUALIFY row_number() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1`,
      '',
      { device: deviceId, metrics: listValue([...metrics]), from, to },
      'ts, metric',
    );
  }

  /** Readings of one device, deduplicated after filtering on the device (duplicates share it). */
  private readReadings(
    where: string,
    outer: string,
    params: Record<string, DuckDBValue>,
    order = 'ts DESC',
  ): Promise<ReadingRow[]> {
    return this.serial(async () => {
      const reader = await this.connection.runAndReadAll(
        `SELECT reading_id, device_id, ${isoUtc('ts')}, metric, value, unit,
                original_value, original_unit, status, flags, message_id, seq, ${isoUtc('ingested_at')}
         FROM (SELECT * FROM readings WHERE ${where}) WHERE TRUE ${outer}
         ORDER BY ${order}`,
        params,
      );
      return storedReadings(
        reader.getRowObjectsJS().map((r) => ({ ...r, seq: r.seq === null ? null : Number(r.seq) })),
      );
    });
  }

  latestForecasts(deviceId: string, metric: string, from: string, to: string): Promise<ForecastRow[]> {
    return this.serial(async () => {
      // Deduplicate after filtering on device, metric and target (duplicates share them), then keep the
      // latest origin of each target. ISO text only outermost, where its aliases cannot shadow the timestamps
      // the windows and the ORDER BY compare.
      const reader = await this.connection.runAndReadAll(
        `SELECT forecast_id, device_id, metric, ${isoUtc('issued_at')}, ${isoUtc('origin')}, ${isoUtc('target_ts')},
                p10, p50, p90, model, model_version
         FROM (
           SELECT * FROM (
             SELECT * FROM forecasts
             WHERE device_id = $device AND metric = $metric AND target_ts BETWEEN $from::TIMESTAMPTZ AND $to::TIMESTAMPTZ
             QUALIFY row_number() OVER (PARTITION BY forecast_id ORDER BY issued_at) = 1
           ) WHERE TRUE QUALIFY row_number() OVER (PARTITION BY target_ts ORDER BY origin DESC, issued_at DESC) = 1
         ) AS latest
         ORDER BY latest.target_ts`,
        { device: deviceId, metric, from, to },
      );
      return reader.getRowObjectsJS().map((r) => forecasts.row.parse(r));
    });
  }

  counts(): Promise<Record<string, number>> {
    return this.serial(async () => {
      const sql = TABLES.map((t) => `SELECT '${t.name}' AS name, count(*) AS n FROM "${dedupViewName(t)}"`).join(
        ' UNION ALL ',
      );
      const reader = await this.connection.runAndReadAll(sql);
      return Object.fromEntries(reader.getRowObjectsJS().map((r) => [r.name as string, Number(r.n)]));
    });
  }

  /** Read-only SQL for local tools (CLI exports, the dashboard); parameters are bound, never spliced. */
  query(
    sql: string,
    params: Record<string, string | number | boolean | null> = {},
  ): Promise<Record<string, unknown>[]> {
    return this.serial(async () => (await this.connection.runAndReadAll(sql, params)).getRowObjectsJS());
  }

  private committed(table: Table): void {
    this.versions.set(table.name, (this.versions.get(table.name) ?? 0) + 1);
  }

  /**
   * Count of committed writes to the named tables since the warehouse opened: a read cache keyed on it starts
   * over when one of them is written, and keeps its answers through writes to other tables.
   */
  writeVersion(tables: readonly string[]): number {
    return tables.reduce((sum, name) => sum + (this.versions.get(name) ?? 0), 0);
  }

  /**
   * Another connection to the same database, for the read side: it sees committed writes and reads while
   * this connection writes (one process owns the file, so readers share its instance). Closed with the warehouse.
   */
  async connectReader(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    this.readConnections.push(connection);
    return connection;
  }

  close(): Promise<void> {
    return this.serial(() => {
      for (const c of this.readConnections.splice(0)) c.closeSync();
      this.connection.closeSync();
      this.instance.closeSync();
      if (this.file) openFiles.delete(this.file);
      return Promise.resolve();
    });
  }
}
