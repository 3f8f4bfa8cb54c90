import { guardSql } from './guard.js';
import type { GuardRule } from './refusal.js';
import { SqlRefusedError } from './refusal.js';
import type { SqlResult, SqlRunner } from './runner.js';

export const DEFAULT_MAX_ROWS = 200;

export type GuardedSqlAnswer =
  | ({ readonly ok: true; readonly statement: string; readonly clamped: boolean; readonly ms: number } & SqlResult)
  | { readonly ok: false; readonly rule: GuardRule; readonly message: string };

/**
 * The one path for free SQL, shared by `kilowatch sql` and the copilot's tool: guard, then run. A refusal
 * is an answer (naming its rule), not an exception; errors from the warehouse propagate.
 */
export async function runGuardedSql(
  runner: SqlRunner,
  sql: string,
  maxRows = DEFAULT_MAX_ROWS,
): Promise<GuardedSqlAnswer> {
  try {
    const guarded = await guardSql(sql, (s) => runner.refs(s), maxRows);
    const started = Date.now();
    const result = await runner.run(guarded.sql);
    return { ok: true, statement: guarded.sql, clamped: guarded.clamped, ms: Date.now() - started, ...result };
  } catch (error) {
    if (error instanceof SqlRefusedError) return { ok: false, rule: error.rule, message: error.message };
    throw error;
  }
}
