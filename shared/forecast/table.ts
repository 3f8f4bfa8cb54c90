import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { ACCEPTED_TS_FORMS, carriesOffset, parseTimestamp } from '../readings/timestamps.js';

/**
 * A CSV in kilowatch's export format: a timestamp column (`ts`, ISO 8601) and one column per metric named as in
 * the warehouse. Other column names are passed as `--timestamp` / `--target`.
 */
export interface CsvTable {
  readonly path: string;
  readonly header: readonly string[];
  readonly rows: readonly string[][];
}

export function readCsvTable(path: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read --input ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}`,
      {
        cause: error,
      },
    );
  }
  const records = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  const header = records[0];
  if (!header) throw new Error(`${path} is empty; expected a header row such as 'ts,usage_kwh'`);
  return { path, header, rows: records.slice(1) };
}

/** Index of a column, or an error naming the columns the file has and the flag that names another. */
export function columnIndex(table: CsvTable, name: string, flag: string): number {
  const i = table.header.indexOf(name);
  if (i < 0)
    throw new Error(`${table.path}: no column '${name}' (columns: ${table.header.join(', ')}); name it with ${flag}`);
  return i;
}

/** The zone timestamps without an offset are read in, and where it came from (said in every command's summary). */
export interface InputZone {
  readonly zone: string;
  readonly source: string;
}

/** How a file's timestamps were read, for a command's summary: never a silent UTC. */
export function zoneUsed(table: CsvTable, column: number, zone: InputZone | undefined): string {
  const naive = table.rows.some((row) => !carriesOffset((row[column] ?? '').trim()));
  return naive && zone ? `${zone.zone} (${zone.source})` : 'offsets in the file';
}

/**
 * UTC epoch ms of every row; timestamps without an offset are read in `zone`, and without one they are refused
 * with the options that name it: reading plant-local times as UTC shifts every value by the plant's offset.
 */
export function timestampsOf(table: CsvTable, column: number, zone: InputZone | undefined): Float64Array {
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((row, r) => {
    const cell = (row[column] ?? '').trim();
    if (!zone && !carriesOffset(cell)) {
      throw new Error(
        `${table.path}: line ${r + 2}: column '${table.header[column]}': '${cell.slice(0, 40)}' has no UTC offset; ` +
          "name the zone it is in with --tz <IANA zone, e.g. Asia/Seoul> or --device <id> (the device registry's timezone)",
      );
    }
    const parsed = parseTimestamp(cell, zone?.zone ?? 'UTC');
    if (!parsed.ok) {
      throw new Error(
        `${table.path}: line ${r + 2}: column '${table.header[column]}': ${parsed.reason}; accepted: ${ACCEPTED_TS_FORMS}`,
      );
    }
    out[r] = parsed.ms;
  });
  return out;
}

/** Numbers of a column; an empty or non-numeric cell is missing (NaN). */
export function numbersOf(table: CsvTable, column: number): Float64Array {
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((row, r) => {
    const raw = (row[column] ?? '').trim();
    const v = raw === '' ? Number.NaN : Number(raw);
    out[r] = Number.isFinite(v) ? v : Number.NaN;
  });
  return out;
}
