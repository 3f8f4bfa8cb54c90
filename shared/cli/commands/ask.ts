import { Command } from 'commander';
import { loadConfig } from '../../config/env.js';
import { askFromCli, formatAnswer } from '../../copilot/cli-ask.js';

export const askCommand = new Command('ask')
  .description('ask the energy copilot a question (needs KILOWATCH_LLM=ollama|vertex; see docs/copilot.md)')
  .argument('<question>', 'the question, in plain language')
  .option('--conversation <id>', 'continue a conversation')
  .option('--json', 'print the answer, steps, citations and usage as JSON')
  .action(async (question: string, options: { conversation?: string; json?: boolean }) => {
    const answer = await askFromCli(loadConfig(), question, options.conversation);
    process.stdout.write(options.json ? `${JSON.stringify(answer, null, 2)}\n` : formatAnswer(answer));
  });
