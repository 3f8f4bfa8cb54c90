import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { readings } from '../warehouse/schema/tables.js';

/**
 * The local Year/Month archive of `readings`: Parquet files in a hive layout
 * (<dir>/readings/year=YYYY/month=MM/run-<id>-<n>.parquet) written by DuckDB's partitioned COPY. Rows leave the
 * warehouse only after the files of their run were read back and matched (row count and checksum per partition);
 * each run keeps a manifest, so a run interrupted between writing and deleting is finished by the next one,
 * and files of a run that never got its manifest are removed: nothing is lost, nothing is kept twice.
 */

const partition = z.strictObject({
  year: z.number().int(),
  month: z.number().int(),
  rows: z.number().int(),
  checksum: z.string(),
});
const manifest = z.strictObject({
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  until: z.string(),
  state: z.enum(['written', 'deleted']),
  partitions: z.array(partition),
  writtenAt: z.string(),
  deletedAt: z.string().optional(),
});
export type ArchiveManifest = z.infer<typeof manifest>;
export type PartitionCheck = z.infer<typeof partition>;

export interface ArchiveOptions {
  /** Archive readings stamped before this instant (ISO date or time). */
  readonly until: string;
  /** Tests stop a run here, as a crash would. */
  readonly crashAfter?: 'copy' | 'manifest';
  readonly now?: () => Date;
}

export interface ArchiveSummary {
  readonly runId: string | null;
  readonly partitions: PartitionCheck[];
  /** Earlier runs this one finished (written, not yet deleted) and orphan files it removed. */
  readonly resumed: string[];
  readonly orphansRemoved: string[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly runs: Array<{
    runId: string;
    state: string;
    partitions: Array<PartitionCheck & { found: { rows: number; checksum: string }; ok: boolean }>;
  }>;
  /** Archived readings still in the warehouse after their run deleted them (would be duplicates). */
  readonly stillInWarehouse: number;
}

/** Every column, hashed: a checksum that changes when any bit of any value changes, whatever the row order. */
const ROW_HASH = `hash(${Object.keys(readings.columns)
  .map((c) => `"${c}"`)
  .join(', ')})`;
const CHECKSUM = `count(*) AS rows, bit_xor(${ROW_HASH})::VARCHAR AS checksum`;
const COLUMNS = Object.keys(readings.columns)
  .map((c) => `"${c}"`)
  .join(', ');

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const readingsDir = (dir: string) => join(dir, 'readings');
const manifestsDir = (dir: string) => join(dir, 'manifests');
const runGlob = (dir: string, runId: string) => `${readingsDir(dir)}/*/*/run-${runId}-*.parquet`;

export class LocalArchive {
  constructor(
    private readonly warehouse: DuckDbWarehouse,
    readonly dir: string,
  ) {}

  manifests(): ArchiveManifest[] {
    if (!existsSync(manifestsDir(this.dir))) return [];
    return readdirSync(manifestsDir(this.dir))
      .filter((f) => f.endsWith('.json'))
      .map((f) => manifest.parse(JSON.parse(readFileSync(join(manifestsDir(this.dir), f), 'utf8'))))
      .sort((a, b) => a.writtenAt.localeCompare(b.writtenAt));
  }

  async archive(options: ArchiveOptions): Promise<ArchiveSummary> {
    const untilMs = Date.parse(options.until);
    if (!Number.isFinite(untilMs)) throw new Error(`--until: '${options.until}' is not an ISO 8601 date or time`);
    const until = new Date(untilMs).toISOString();
    const now = options.now ?? (() => new Date());
    const { resumed, orphansRemoved } = await this.recover(now);
    const runId = randomUUID().replaceAll('-', '');
    const batch = `SELECT ${COLUMNS}, year(ts AT TIME ZONE 'UTC')::INT AS year, month(ts AT TIME ZONE 'UTC')::INT AS month
                   FROM readings_dedup WHERE ts < ${sqlString(until)}::TIMESTAMPTZ`;
    const expected = await this.checks(
      `SELECT year, month, ${CHECKSUM} FROM (${batch}) GROUP BY year, month ORDER BY year, month`,
    );
    if (expected.length === 0) return { runId: null, partitions: [], resumed, orphansRemoved };
    mkdirSync(readingsDir(this.dir), { recursive: true });
    // Sorted by series: one series reads as one run, and the files' size no longer depends on the order rows were written.
    await this.warehouse.query(
      `COPY (${batch} ORDER BY device_id, metric, ts) TO ${sqlString(readingsDir(this.dir))}
       (FORMAT parquet, PARTITION_BY (year, month), FILENAME_PATTERN ${sqlString(`run-${runId}-{uuid}`)}, APPEND)`,
    );
    if (options.crashAfter === 'copy') throw new Error('crash after copy (test)');
    const found = await this.filesChecks(runId);
    const mismatch = expected.find(
      (e) =>
        !found.some((f) => f.year === e.year && f.month === e.month && f.rows === e.rows && f.checksum === e.checksum),
    );
    if (mismatch || found.length !== expected.length) {
      this.removeRunFiles((run) => run === runId);
      throw new Error(
        `archive run ${runId}: the written files do not match the warehouse (year ${mismatch?.year} month ${mismatch?.month}); nothing deleted`,
      );
    }
    const written: ArchiveManifest = {
      runId,
      until,
      state: 'written',
      partitions: expected,
      writtenAt: now().toISOString(),
    };
    this.writeManifest(written);
    if (options.crashAfter === 'manifest') throw new Error('crash after manifest (test)');
    await this.deleteArchived(written, now);
    return { runId, partitions: expected, resumed, orphansRemoved };
  }

  /** Re-reads every run's files and compares them with its manifest; checks no archived reading is still in the warehouse. */
  async verify(): Promise<VerifyReport> {
    const runs = [];
    for (const m of this.manifests()) {
      const found = await this.filesChecks(m.runId);
      runs.push({
        runId: m.runId,
        state: m.state,
        partitions: m.partitions.map((p) => {
          const f = found.find((x) => x.year === p.year && x.month === p.month) ?? { rows: 0, checksum: 'missing' };
          return {
            ...p,
            found: { rows: f.rows, checksum: f.checksum },
            ok: f.rows === p.rows && f.checksum === p.checksum,
          };
        }),
      });
    }
    const deleted = this.manifests()
      .filter((m) => m.state === 'deleted')
      .map((m) => runGlob(this.dir, m.runId));
    const still =
      deleted.length === 0
        ? 0
        : Number(
            (
              await this.warehouse.query(
                `SELECT count(*) AS n FROM readings WHERE reading_id IN (SELECT reading_id FROM read_parquet([${deleted.map(sqlString).join(', ')}], hive_partitioning = true))`,
              )
            )[0]?.n ?? 0,
          );
    return { ok: runs.every((r) => r.partitions.every((p) => p.ok)) && still === 0, runs, stillInWarehouse: still };
  }

  /**
   * A view over the warehouse and the archive together, `readings_all`: queries read archived months
   * transparently. A reading in both (a run between its write and its delete) appears once.
   */
  async createView(): Promise<void> {
    const files = `${readingsDir(this.dir)}/*/*/*.parquet`;
    const archived =
      this.manifests().length > 0
        ? ` UNION ALL BY NAME SELECT ${COLUMNS} FROM read_parquet(${sqlString(files)}, hive_partitioning = true)`
        : '';
    await this.warehouse.query(
      `CREATE OR REPLACE VIEW readings_all AS SELECT * FROM (SELECT ${COLUMNS} FROM readings${archived})
       WHERE TRUE QUALIFY row_number() OVER (PARTITION BY reading_id ORDER BY ingested_at) = 1`,
    );
  }

  /** Finishes runs that wrote and verified but did not delete; removes files of runs that never got a manifest. */
  private async recover(now: () => Date): Promise<{ resumed: string[]; orphansRemoved: string[] }> {
    const manifests = this.manifests();
    const resumed: string[] = [];
    for (const m of manifests.filter((x) => x.state === 'written')) {
      const found = await this.filesChecks(m.runId);
      const intact = m.partitions.every((p) =>
        found.some((f) => f.year === p.year && f.month === p.month && f.rows === p.rows && f.checksum === p.checksum),
      );
      if (!intact)
        throw new Error(
          `archive run ${m.runId}: its files no longer match its manifest; run kilowatch archive --verify and repair before archiving more`,
        );
      await this.deleteArchived(m, now);
      resumed.push(m.runId);
    }
    const known = new Set(manifests.map((m) => m.runId));
    return { resumed, orphansRemoved: this.removeRunFiles((run) => !known.has(run)) };
  }

  /** Removes the Parquet files of the runs `which` selects; returns their paths under the archive. */
  private removeRunFiles(which: (runId: string) => boolean): string[] {
    const removed: string[] = [];
    if (!existsSync(readingsDir(this.dir))) return removed;
    for (const year of readdirSync(readingsDir(this.dir))) {
      for (const month of readdirSync(join(readingsDir(this.dir), year))) {
        for (const file of readdirSync(join(readingsDir(this.dir), year, month))) {
          const run = /^run-([0-9a-f]{32})-[0-9a-f-]+\.parquet$/.exec(file)?.[1];
          if (run && which(run)) {
            rmSync(join(readingsDir(this.dir), year, month, file));
            removed.push(join(year, month, file));
          }
        }
      }
    }
    return removed;
  }

  /** Deletes, in one transaction, the warehouse rows whose ids the run's files hold, then marks the run deleted. */
  private async deleteArchived(m: ArchiveManifest, now: () => Date): Promise<void> {
    await this.warehouse.query(
      `DELETE FROM readings WHERE ts < ${sqlString(m.until)}::TIMESTAMPTZ
       AND reading_id IN (SELECT reading_id FROM read_parquet(${sqlString(runGlob(this.dir, m.runId))}, hive_partitioning = true))`,
    );
    this.writeManifest({ ...m, state: 'deleted', deletedAt: now().toISOString() });
    await this.createView();
  }

  private async filesChecks(runId: string): Promise<PartitionCheck[]> {
    return this.checks(
      `SELECT year::INT AS year, month::INT AS month, ${CHECKSUM}
       FROM read_parquet(${sqlString(runGlob(this.dir, runId))}, hive_partitioning = true) GROUP BY ALL ORDER BY year, month`,
    );
  }

  private async checks(sql: string): Promise<PartitionCheck[]> {
    return (await this.warehouse.query(sql)).map((r) => ({
      year: Number(r.year),
      month: Number(r.month),
      rows: Number(r.rows),
      checksum: String(r.checksum),
    }));
  }

  private writeManifest(m: ArchiveManifest): void {
    mkdirSync(manifestsDir(this.dir), { recursive: true });
    const path = join(manifestsDir(this.dir), `run-${m.runId}.json`);
    // Written aside, then renamed over: a crash leaves the old manifest or the new one, never half of one.
    writeFileSync(`${path}.tmp`, `${JSON.stringify(manifest.parse(m), null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }
}
