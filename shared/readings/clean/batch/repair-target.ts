import type { ReadingRow } from '../../../warehouse/schema/tables.js';

/** A value the batch path repairs: its reading (t), its metric's column (c) and its row. */
export interface Target {
  readonly t: number;
  readonly c: number;
  readonly row: ReadingRow;
}

export function repaired(row: ReadingRow, value: number): void {
  row.value = Math.round(value * 1e6) / 1e6;
  row.status = 'repaired';
  if (!row.flags.includes('imputed')) row.flags = [...row.flags, 'imputed'];
}
