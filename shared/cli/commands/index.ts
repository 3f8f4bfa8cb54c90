import type { Command } from 'commander';
import { simulateCommand } from './simulate.js';
import { statsCommand } from './stats.js';

/** Every CLI command; each lives in its own file and calls a use-case. */
export const commands: Command[] = [statsCommand, simulateCommand];
