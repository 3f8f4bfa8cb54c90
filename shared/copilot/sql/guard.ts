import { lexicalCheck } from './lexical.js';
import type { StatementRefs } from './refusal.js';
import { checkRefs } from './rules.js';

/** A statement the guard let through, with its LIMIT clamped. */
export interface GuardedStatement {
  readonly sql: string;
  readonly refs: StatementRefs;
  readonly clamped: boolean;
}

/**
 * The guard, whatever the dialect: text checks, then the dialect's parser, then the allow-list of views,
 * the deny-list of functions, and a LIMIT no higher than maxRows. Throws SqlRefusedError naming the rule.
 */
export async function guardSql(
  sql: string,
  parse: (sql: string) => Promise<StatementRefs> | StatementRefs,
  maxRows: number,
): Promise<GuardedStatement> {
  lexicalCheck(sql);
  const statement = sql.trim().replace(/;\s*$/, '');
  const refs = await parse(statement);
  checkRefs(refs);
  if (refs.limit !== null && refs.limit <= maxRows) return { sql: statement, refs, clamped: false };
  return { sql: `SELECT * FROM (\n${statement}\n) AS guarded LIMIT ${maxRows}`, refs, clamped: true };
}
