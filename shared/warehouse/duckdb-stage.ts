import duckdb from '@duckdb/node-bindings';
import {
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBListValue,
  type DuckDBType,
} from '@duckdb/node-api';
import type { Column } from './schema/columns.js';
import type { Table } from './schema/table.js';

/** Separates list items in a dictionary entry; cleaning flags and other listed names never contain it. */
const LIST_SEPARATOR = '\u001f';

/** The stage's last column: a row's position in its batch, so that the first row of a repeated key wins. */
const ORDINAL = '_ordinal';

/** Rows in one data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/**
 * How a column travels to the staging table. The key as text; every other text column (timestamps and lists
 * included) as a code into the batch's dictionary of distinct texts, which the move statement looks up:
 * a batch of readings repeats its devices, metrics, units, times and message id on every row, and one string
 * handed to DuckDB costs the event loop more than the rest of a value's trip. Numbers travel as doubles.
 */
type Kind = 'text' | 'code' | 'double' | 'bool';

interface StageColumn {
  readonly name: string;
  readonly column: Column;
  readonly kind: Kind;
}

function kindOf(name: string, column: Column, table: Table): Kind {
  if (name === table.key && column.mode !== 'REPEATED') return 'text';
  if (column.mode === 'REPEATED') return 'code';
  if (column.type === 'FLOAT64' || column.type === 'INT64') return 'double';
  return column.type === 'BOOL' ? 'bool' : 'code';
}

const STAGE_TYPES: Record<Kind, DuckDBType> = { text: VARCHAR, code: INTEGER, double: DOUBLE, bool: BOOLEAN };
const STAGE_SQL_TYPES: Record<Kind, string> = { text: 'VARCHAR', code: 'INTEGER', double: 'DOUBLE', bool: 'BOOLEAN' };

/** The dictionary parameter of the move statement. */
export const DICTIONARY_TYPE = LIST(VARCHAR);

/** A staged column as the table's type, unaliased; dictionary code 0 reads as NULL. */
function fromStage({ name, column, kind }: StageColumn): string {
  const c = kind === 'code' ? `d._dict[s."${name}"]` : `s."${name}"`;
  if (column.mode === 'REPEATED') return `CASE WHEN ${c} = '' THEN []::VARCHAR[] ELSE string_split(${c}, chr(31)) END`;
  if (column.type === 'TIMESTAMP') return `${c}::TIMESTAMPTZ`;
  if (column.type === 'INT64') return `${c}::BIGINT`;
  return c;
}

/** One table's staging: its temporary table, the chunk layout and the statement that moves staged rows. */
export class Stage {
  readonly name: string;
  private readonly columns: StageColumn[];
  private readonly types: DuckDBType[];

  constructor(private readonly table: Table) {
    this.name = `_stage_${table.name}`;
    this.columns = Object.entries<Column>(table.columns).map(([name, column]) => ({
      name,
      column,
      kind: kindOf(name, column, table),
    }));
    this.types = [...this.columns.map((c) => STAGE_TYPES[c.kind]), INTEGER];
  }

  /** Temporary: staged rows never touch the file or its write-ahead log, only the final insert does. */
  createSql(): string {
    const cols = this.columns.map((c) => `"${c.name}" ${STAGE_SQL_TYPES[c.kind]}`);
    return `CREATE OR REPLACE TEMP TABLE "${this.name}" (${cols.join(', ')}, ${ORDINAL} INTEGER)`;
  }

  /**
   * Moves the first staged row of each key (by ordinal) whose key is not in the table yet; scans only the
   * batch's time range when it can. One statement, so one transaction. DuckDB finds a batch's repeated keys in
   * about a third of the time a JavaScript Set of them takes, and off the event loop.
   */
  moveSql(): string {
    const { table } = this;
    // The dictionary as a column of a one-row relation: a parameter in each expression would be a constant
    // list that DuckDB rebuilds for every vector and every use (2.5 times the CPU of the whole move).
    const stage = `"${this.name}" AS s, (SELECT $dict AS _dict) AS d`;
    const names = this.columns.map((c) => `"${c.name}"`).join(', ');
    const select = this.columns.map((c) => `${fromStage(c)} AS "${c.name}"`).join(', ');
    const key = `"${table.key}"`;
    const part = this.columns.find((c) => c.name === table.partitionBy);
    const existing =
      table.keyFixesPartition && part
        ? `SELECT ${key} FROM "${table.name}" WHERE "${part.name}" BETWEEN ` +
          `(SELECT min(${fromStage(part)}) FROM ${stage}) AND (SELECT max(${fromStage(part)}) FROM ${stage})`
        : `SELECT ${key} FROM "${table.name}"`;
    // Columns by name: a file that gained columns in init may order them otherwise than the schema does.
    const firsts = `SELECT min(${ORDINAL}) FROM "${this.name}" GROUP BY ${key}`;
    return (
      `INSERT INTO "${table.name}" (${names}) SELECT ${select} FROM ${stage} ` +
      `WHERE s.${ORDINAL} IN (${firsts}) AND s.${key} NOT IN (${existing})`
    );
  }

  /** Appends the rows, each with its ordinal, and returns the dictionary that the move statement's codes point into. */
  append(appender: DuckDBAppender, rows: readonly unknown[]): DuckDBListValue {
    const batch = rows as readonly Record<string, unknown>[];
    const dictionary = new Dictionary();
    for (let start = 0; start < batch.length; start += CHUNK_ROWS) {
      const chunk = DuckDBDataChunk.create(this.types, Math.min(CHUNK_ROWS, batch.length - start));
      this.columns.forEach((c, i) =>
        fillVector(duckdb.data_chunk_get_vector(chunk.chunk, i), c, batch, start, chunk.rowCount, dictionary),
      );
      fillOrdinals(duckdb.data_chunk_get_vector(chunk.chunk, this.columns.length), start, chunk.rowCount);
      appender.appendDataChunk(chunk);
    }
    return listValue(dictionary.texts);
  }
}

/** Distinct texts of one batch; code 0 is NULL, code n the n-th text (DuckDB lists count from 1). */
class Dictionary {
  readonly texts: string[] = [];
  private readonly codes = new Map<string, number>();

  code(text: string): number {
    let code = this.codes.get(text);
    if (code === undefined) {
      code = this.texts.push(text);
      this.codes.set(text, code);
    }
    return code;
  }
}

/** Validity bits, all valid; 64-bit words, bit i of the mask at byte i / 8, as DuckDB lays them out. */
function validityMask(count: number): Uint8Array {
  return new Uint8Array(Math.ceil(count / 64) * 8).fill(0xff);
}

function fillOrdinals(vector: duckdb.Vector, start: number, count: number): void {
  const ordinals = new Int32Array(count);
  for (let i = 0; i < count; i++) ordinals[i] = start + i;
  duckdb.copy_data_to_vector(vector, 0, ordinals.buffer, 0, ordinals.byteLength);
}

function fillVector(
  vector: duckdb.Vector,
  { name, column, kind }: StageColumn,
  rows: readonly Record<string, unknown>[],
  start: number,
  count: number,
  dictionary: Dictionary,
): void {
  let validity: Uint8Array | undefined;
  const setNull = (i: number) => {
    validity ??= validityMask(count);
    validity[i >> 3] = (validity[i >> 3] as number) & ~(1 << (i & 7));
  };
  let data: Float64Array | Int32Array | Uint8Array | undefined;
  if (kind === 'text') {
    for (let i = 0; i < count; i++) {
      const v = rows[start + i]?.[name];
      if (v === null || v === undefined) setNull(i);
      else duckdb.vector_assign_string_element(vector, i, v as string);
    }
  } else if (kind === 'code') {
    const codes = (data = new Int32Array(count));
    const repeated = column.mode === 'REPEATED';
    // Neighbouring rows often share a value (a reading's metrics, a message's rows): skip the lookup then.
    let previous: unknown = null;
    let code = 0;
    for (let i = 0; i < count; i++) {
      const v = rows[start + i]?.[name];
      if (v === null || v === undefined) continue;
      if (v !== previous) {
        code = dictionary.code(repeated ? (v as string[]).join(LIST_SEPARATOR) : (v as string));
        previous = v;
      }
      codes[i] = code;
    }
  } else {
    const values = (data = kind === 'double' ? new Float64Array(count) : new Uint8Array(count));
    for (let i = 0; i < count; i++) {
      const v = rows[start + i]?.[name];
      if (v === null || v === undefined) setNull(i);
      else values[i] = v as number;
    }
  }
  if (data) duckdb.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  if (validity) {
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(
      vector,
      0,
      validity.buffer as ArrayBuffer,
      validity.byteOffset,
      validity.byteLength,
    );
  }
}
