import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_ASSUMPTIONS, archiveSavings, archiveSavingsTable } from '../../shared/cost/archive-savings.js';
import { measureParquetSize } from '../../shared/cost/parquet-size.js';

describe('docs/cost.md: what the archive and the roll-ups save', () => {
  it('the page shows exactly the table the model computes (npm run cost:archive)', () => {
    expect(readFileSync('docs/cost.md', 'utf8')).toContain(archiveSavingsTable(ARCHIVE_ASSUMPTIONS));
  });

  it('the byte sizes it assumes are those of the kilowatch schema on the steel year, BigQuery logical and Parquet', async () => {
    const m = await measureParquetSize();
    expect(m.rows).toBe(35_040 * 6);
    expect(Math.abs(m.logicalPerRow - ARCHIVE_ASSUMPTIONS.bigQueryBytesPerRow)).toBeLessThan(2);
    expect(Math.abs(m.parquetPerRow - ARCHIVE_ASSUMPTIONS.parquetBytesPerRow)).toBeLessThan(2);
  }, 120_000);

  it('keeping raw data longer than the history changes nothing; the archive then only adds its bucket', () => {
    const all = archiveSavings({ ...ARCHIVE_ASSUMPTIONS, rawMonths: ARCHIVE_ASSUMPTIONS.historyMonths });
    expect(all.withArchive.rawUsd).toBeCloseTo(all.keepAllUsd, 9);
    expect(all.withArchive.totalUsd).toBeGreaterThan(all.keepAllUsd);
  });
});
