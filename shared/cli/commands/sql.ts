import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { formatSqlAnswer, sqlFromCli } from '../../copilot/sql/cli-sql.js';

export const sqlCommand = new Command('sql')
  .description(
    "run one read-only SELECT on the copilot_* views through the copilot's SQL guard (a refusal names its rule)",
  )
  .argument('<query>', 'one SELECT or WITH ... SELECT statement')
  .option('--json', 'print the answer as JSON')
  .action(async (query: string, options: { json?: boolean }) => {
    const answer = await sqlFromCli(loadConfig(), query);
    process.stdout.write(options.json ? `${JSON.stringify(answer, null, 2)}\n` : formatSqlAnswer(answer));
    if (!answer.ok) process.exitCode = 2;
  });
