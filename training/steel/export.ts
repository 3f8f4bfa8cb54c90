/**
 * Writes the steel demo data in kilowatch's export format (`ts` in ISO 8601 UTC, one column per metric, named as
 * in the warehouse), split by the evaluation protocol of data/steel/README.md:
 *   train: readings stamped up to 2018-10-01 00:00 plant time (the row stamped 00:00 closes 30 September)
 *   test:  the rest (2018-10-01 00:15 .. 2019-01-01 00:00 plant time, 8,832 rows)
 *
 * npx tsx training/steel/export.ts --part train|test|all --out <csv>
 */
import { writeFileSync } from 'node:fs';
import { loadSteel, STEEL_METRICS, type SteelRow } from '../../shared/demo/steel.js';

/** 2018-10-01T00:00:00+09:00: the first test origin; readings stamped after it are the test quarter. */
export const STEEL_TEST_START_MS = Date.UTC(2018, 8, 30, 15, 0, 0);
export const STEEL_COLUMNS = Object.values(STEEL_METRICS);

export function steelPart(part: 'train' | 'test' | 'all', rows: SteelRow[] = loadSteel()): SteelRow[] {
  if (part === 'all') return rows;
  return rows.filter((r) => (part === 'train' ? r.tsMs <= STEEL_TEST_START_MS : r.tsMs > STEEL_TEST_START_MS));
}

export function steelCsv(rows: SteelRow[]): string {
  const lines = [['ts', ...STEEL_COLUMNS].join(',')];
  for (const r of rows)
    lines.push([new Date(r.tsMs).toISOString(), ...STEEL_COLUMNS.map((c) => String(r.metrics[c]))].join(','));
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const part = (arg('--part') ?? 'train') as 'train' | 'test' | 'all';
  const out = arg('--out');
  if (!['train', 'test', 'all'].includes(part) || !out) {
    process.stderr.write('usage: npx tsx training/steel/export.ts --part train|test|all --out <csv>\n');
    process.exit(2);
  }
  const rows = steelPart(part);
  writeFileSync(out, steelCsv(rows));
  process.stderr.write(`wrote ${rows.length} rows (${part}) to ${out}\n`);
}
