#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so that `npx kilowatch` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../shared/cli/main.ts');
