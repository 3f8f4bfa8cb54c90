import { copilotLocalPort, type Config } from '../../config/env.js';
import { runGuardedSql, type GuardedSqlAnswer } from './guarded-sql.js';
import { openSqlRunner } from './open.js';

export const LOCAL_SQL_PATH = '/v1/sql';

/**
 * `kilowatch sql`: the same guard and executor as the copilot's tool. Locally a running `npm start` owns the
 * DuckDB file, so its copilot function runs the statement; when none runs, the file is opened read-only.
 */
export async function sqlFromCli(config: Config, sql: string): Promise<GuardedSqlAnswer> {
  if (config.KILOWATCH_BACKEND === 'local') {
    const running = await fetch(`http://127.0.0.1:${copilotLocalPort(config)}${LOCAL_SQL_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    }).catch(() => undefined);
    if (running && (running.ok || running.status === 422)) return (await running.json()) as GuardedSqlAnswer;
  }
  const runner = await openSqlRunner(config);
  try {
    return await runGuardedSql(runner, sql, config.KILOWATCH_SQL_MAX_ROWS);
  } finally {
    runner.close?.();
  }
}

/** Rows as tab-separated text under their column names, then a line saying how many and whether clamped. */
export function formatSqlAnswer(answer: GuardedSqlAnswer): string {
  if (!answer.ok) return `${answer.message}\n`;
  const cell = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const lines = [
    answer.columns.join('\t'),
    ...answer.rows.map((r) => answer.columns.map((c) => cell(r[c])).join('\t')),
  ];
  const clamp = answer.clamped ? ' (LIMIT clamped)' : '';
  const bytes = answer.bytes === null ? '' : `, ${answer.bytes} bytes`;
  return `${lines.join('\n')}\n-- ${answer.rows.length} rows${clamp}${bytes}, ${answer.ms} ms\n`;
}
