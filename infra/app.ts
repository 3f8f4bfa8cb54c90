import { App } from 'cdktf';
import { checkPlaceholders, ENVIRONMENT_NAMES, loadEnvironment } from './config/load.js';
import type { CatalogName } from './config/functions.js';
import { deployableFunctions } from './function-folders.js';
import { KilowatchStack } from './stack.js';
import type { SourceMode } from './sources.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface BuildOptions {
  readonly outdir: string;
  readonly env?: Env;
  /** Environments to synthesize; KILOWATCH_INFRA_ENVS (comma list) or all of infra/config. */
  readonly environments?: readonly string[];
  readonly functions?: readonly CatalogName[];
  readonly sources?: SourceMode;
}

export interface BuiltApp {
  readonly app: App;
  readonly stacks: KilowatchStack[];
  /** Things an operator must fix before a real deploy (placeholders, unpackaged sources). */
  readonly warnings: string[];
}

export function buildApp(options: BuildOptions): BuiltApp {
  const env = options.env ?? process.env;
  const requested =
    options.environments ??
    env.KILOWATCH_INFRA_ENVS?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const environments = requested && requested.length > 0 ? requested : ENVIRONMENT_NAMES;
  const functions = options.functions ?? deployableFunctions();
  const strict = env.KILOWATCH_INFRA_STRICT === '1';

  const app = new App({ outdir: options.outdir, stackTraces: false });
  const warnings: string[] = [];
  const stacks = environments.map((name) => {
    const config = loadEnvironment(name, env);
    warnings.push(...checkPlaceholders(config, env));
    const stack = new KilowatchStack(app, { config, functions, sources: options.sources ?? 'auto' });
    const unpackaged = [...stack.sources].filter(([, s]) => s.placeholder).map(([n]) => n);
    if (unpackaged.length > 0) {
      const message =
        `${name}: no staged build for ${unpackaged.join(', ')}: the stack deploys the placeholder source, ` +
        'which refuses to start. Run `npx tsx infra/package-functions.ts` first.';
      if (strict && options.sources !== 'placeholder') throw new Error(`KILOWATCH_INFRA_STRICT=1: ${message}`);
      warnings.push(message);
    }
    return stack;
  });
  return { app, stacks, warnings };
}
