import { Command } from 'commander';
import { commands } from './commands/index.js';

const program = new Command('kilowatch')
  .description('kilowatch: industrial energy and sensor analytics')
  .showHelpAfterError();
for (const command of commands) program.addCommand(command);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`kilowatch: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
