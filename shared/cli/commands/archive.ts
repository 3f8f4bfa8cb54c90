import { join } from 'node:path';
import { Command } from 'commander';
import { LocalArchive } from '../../archive/local-archive.js';
import { loadConfig } from '../../config/env.js';
import { warehousePath } from '../../runtime/adapters.js';
import { DuckDbWarehouse } from '../../warehouse/duckdb.js';

export const archiveCommand = new Command('archive')
  .description(
    'local Year/Month archive of readings: Parquet in <data dir>/archive/readings/year=YYYY/month=MM/, rows deleted from the warehouse only after the files are verified; readings_all reads both',
  )
  .option('--until <date>', 'archive readings stamped before this ISO date or time (UTC months)')
  .option(
    '--verify',
    're-read every archived file and compare with its manifest (row count and checksum per partition)',
  )
  .action(async (flags: { until?: string; verify?: boolean }) => {
    const config = loadConfig();
    if (config.KILOWATCH_BACKEND !== 'local')
      throw new Error(
        'archive: the cloud archive is BigQuery partition expiry and the monthly export (docs/cost.md); this command archives the local DuckDB warehouse',
      );
    if (!flags.until && !flags.verify) throw new Error('archive: give --until <date> or --verify');
    // The archive needs the DuckDB file to itself: stop `npm start` first (opening it says so when it runs).
    const warehouse = await DuckDbWarehouse.open(warehousePath(config));
    try {
      await warehouse.init();
      const archive = new LocalArchive(warehouse, join(config.KILOWATCH_DATA_DIR, 'archive'));
      const out: Record<string, unknown> = {};
      if (flags.until) out.archived = await archive.archive({ until: flags.until });
      if (flags.verify) {
        const report = await archive.verify();
        out.verify = report;
        if (!report.ok) process.exitCode = 1;
      }
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } finally {
      await warehouse.close();
    }
  });
