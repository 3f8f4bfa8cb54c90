import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * A time-ordered table of sensor readings as the detectors see it: NAB files (`timestamp,value`)
 * and SKAB files (`;`-separated, `datetime` + sensor columns + optional label columns).
 */
export interface SeriesTable {
  readonly path: string;
  readonly timestampColumn: string;
  /** As written in the file, in file order (never sorted or de-duplicated). */
  readonly timestamps: string[];
  /** Sensor columns, in file order. */
  readonly columns: string[];
  /** One array per sensor column. */
  readonly values: Float64Array[];
  /** Label columns present in the file (SKAB: anomaly, changepoint; NAB reference: label). */
  readonly labels: Record<string, Float64Array>;
}

/** NAB's, SKAB's and kilowatch's export format's (`export-training-set` writes `ts`). */
const TIMESTAMP_COLUMNS = ['timestamp', 'datetime', 'ts'];
const LABEL_COLUMNS = ['anomaly', 'changepoint', 'label'];

export function readSeriesCsv(path: string, timestampColumn?: string): SeriesTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `${path}: cannot read the input file (${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}); check the --input path`,
      {
        cause: error,
      },
    );
  }
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(';') ? ';' : ',';
  const records = parse(text, { delimiter, skip_empty_lines: true, trim: true, bom: true });
  const header = records[0];
  if (!header) throw new Error(`${path}: the file is empty; expected a header row such as 'timestamp,value'`);
  const tsIndex = timestampColumn
    ? header.indexOf(timestampColumn)
    : header.findIndex((h) => TIMESTAMP_COLUMNS.includes(h.toLowerCase()));
  if (tsIndex < 0) {
    const expected = timestampColumn
      ? `no column '${timestampColumn}' (--timestamp)`
      : `no timestamp column; the header must name one of ${TIMESTAMP_COLUMNS.join(', ')} or --timestamp must`;
    throw new Error(`${path}: ${expected} (got: ${header.join(delimiter)})`);
  }
  const sensorIdx: number[] = [];
  const labelIdx: number[] = [];
  header.forEach((h, i) => {
    if (i === tsIndex) return;
    (LABEL_COLUMNS.includes(h.toLowerCase()) ? labelIdx : sensorIdx).push(i);
  });
  if (sensorIdx.length === 0)
    throw new Error(
      `${path}: no sensor column besides '${header[tsIndex]}'; add at least one numeric column such as 'value'`,
    );
  const n = records.length - 1;
  const timestamps = new Array<string>(n);
  const values = sensorIdx.map(() => new Float64Array(n));
  const labels = labelIdx.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const rec = records[r + 1] as string[];
    if (rec.length !== header.length) {
      throw new Error(
        `${path}: line ${r + 2} has ${rec.length} fields, the header has ${header.length}; fix the line or the delimiter`,
      );
    }
    timestamps[r] = rec[tsIndex] as string;
    const read = (i: number): number => {
      const raw = rec[i] as string;
      const v = raw === '' ? Number.NaN : Number(raw);
      if (Number.isNaN(v) && raw !== '' && raw.toLowerCase() !== 'nan') {
        throw new Error(`${path}: line ${r + 2}, column '${header[i]}': '${raw}' is not a number`);
      }
      return v;
    };
    sensorIdx.forEach((i, c) => ((values[c] as Float64Array)[r] = read(i)));
    labelIdx.forEach((i, c) => ((labels[c] as Float64Array)[r] = read(i)));
  }
  return {
    path,
    timestampColumn: header[tsIndex] as string,
    timestamps,
    columns: sensorIdx.map((i) => header[i] as string),
    values,
    labels: Object.fromEntries(labelIdx.map((i, c) => [header[i] as string, labels[c] as Float64Array])),
  };
}

/** Row-major rows of the chosen columns (by name), for multivariate models. */
export function rowsOf(table: SeriesTable, columns: readonly string[] = table.columns): number[][] {
  const idx = columns.map((c) => {
    const i = table.columns.indexOf(c);
    if (i < 0) throw new Error(`${table.path}: column '${c}' is missing; the file has ${table.columns.join(', ')}`);
    return i;
  });
  const n = table.timestamps.length;
  const out = new Array<number[]>(n);
  for (let r = 0; r < n; r++) out[r] = idx.map((i) => (table.values[i] as Float64Array)[r] as number);
  return out;
}

const NAIVE_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/**
 * Milliseconds of a benchmark timestamp (`YYYY-MM-DD hh:mm:ss[.ffffff]`, no zone), read as UTC:
 * benchmarks only compare and subtract them.
 */
export function naiveTimestampMs(ts: string): number {
  const m = NAIVE_TS.exec(ts.trim());
  if (!m) {
    const ms = Date.parse(ts);
    if (Number.isNaN(ms)) throw new Error(`timestamp '${ts}' is neither 'YYYY-MM-DD hh:mm:ss' nor ISO 8601`);
    return ms;
  }
  const frac = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), frac);
}
