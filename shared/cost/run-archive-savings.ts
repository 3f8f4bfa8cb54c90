import { ARCHIVE_ASSUMPTIONS, archiveSavingsTable } from './archive-savings.js';
import { measureParquetSize } from './parquet-size.js';

/** `npm run cost:archive [-- --measure]`: the archive table of docs/cost.md, and the byte sizes it assumes, measured. */
process.stdout.write(`${archiveSavingsTable(ARCHIVE_ASSUMPTIONS)}\n`);
if (process.argv.includes('--measure')) {
  const m = await measureParquetSize();
  process.stdout.write(
    `\nsteel year, ${m.rows} readings rows: ${m.logicalPerRow.toFixed(1)} B logical in BigQuery, ` +
      `${m.parquetPerRow.toFixed(1)} B in Parquet (DuckDB, Snappy): ${(m.logicalPerRow / m.parquetPerRow).toFixed(2)}x smaller\n`,
  );
}
