/**
 * Stages one deployable folder per function under dist/deploy/<name>/, which the stack zips and uploads:
 *
 *   functions/<name>/**  shared/**   (the tsc build output, source maps dropped)
 *   <bundle paths>                   (runtime files named in infra/config/functions.ts, e.g. models/, and
 *                                     dist/dashboard, which the build step writes with npm run build:dashboard)
 *   package.json                     (main = functions/<name>/index.js; only the runtime dependencies the
 *                                     staged code imports, pinned to the installed versions; the root's
 *                                     allowScripts, so npm 11 skips onnxruntime-node's CUDA download too)
 *
 * Usage: npx tsx infra/package-functions.ts [--skip-build] [name ...]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTION_CATALOG, type CatalogName } from './config/functions.js';
import { deployableFunctions } from './function-folders.js';
import { REPO_ROOT, STAGING_DIR } from './sources.js';

/** Always present: the Cloud Run functions Node.js runtime serves the code through it. */
const FRAMEWORK = '@google-cloud/functions-framework';

export interface StageOptions {
  readonly root: string;
  /** tsc output (outDir of tsconfig.build.json). */
  readonly distDir: string;
  readonly outDir: string;
  readonly bundle: readonly string[];
}

export interface StageResult {
  readonly dir: string;
  readonly dependencies: Record<string, string>;
  readonly missingBundle: string[];
  /** Imported packages missing from the root package.json dependencies (pinned anyway). */
  readonly undeclared: string[];
}

export function stageFunction(name: string, o: StageOptions): StageResult {
  const builtFn = join(o.distDir, 'functions', name, 'index.js');
  if (!existsSync(builtFn)) {
    throw new Error(`${builtFn} is missing: build first (npx tsc -p tsconfig.build.json) or drop --skip-build`);
  }
  const dir = join(o.outDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const noMaps = (src: string) => !src.endsWith('.map') && !src.endsWith('.d.ts');
  cpSync(join(o.distDir, 'functions', name), join(dir, 'functions', name), { recursive: true, filter: noMaps });
  if (existsSync(join(o.distDir, 'shared'))) {
    cpSync(join(o.distDir, 'shared'), join(dir, 'shared'), { recursive: true, filter: noMaps });
  }

  const missingBundle: string[] = [];
  for (const rel of o.bundle) {
    const src = join(o.root, rel);
    if (!existsSync(src)) {
      missingBundle.push(rel);
      continue;
    }
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(src, join(dir, rel), { recursive: true });
  }

  const rootPkg = JSON.parse(readFileSync(join(o.root, 'package.json'), 'utf8')) as {
    version?: string;
    dependencies?: Record<string, string>;
    allowScripts?: Record<string, boolean>;
  };
  // Every package the staged code imports (a superset of what the function reaches: safe, slightly larger).
  const declared = rootPkg.dependencies ?? {};
  const wanted = new Set([...importedPackages(dir), FRAMEWORK]);
  const dependencies: Record<string, string> = {};
  const undeclared: string[] = [];
  for (const dep of [...wanted].sort()) {
    const installed = installedVersion(o.root, dep);
    if (!Object.hasOwn(declared, dep)) {
      // Imported but only present transitively: pin what is installed so the cloud build resolves it too.
      if (dep !== FRAMEWORK) undeclared.push(dep);
      if (!installed && dep !== FRAMEWORK)
        throw new Error(`${name}: imports "${dep}", which is neither declared nor installed`);
    }
    dependencies[dep] = installed ?? declared[dep] ?? '^5.0.0';
  }

  const pkg = {
    name: `kilowatch-${name}`,
    version: rootPkg.version ?? '0.0.0',
    private: true,
    type: 'module',
    main: `functions/${name}/index.js`,
    engines: { node: '>=22' },
    dependencies,
    ...(rootPkg.allowScripts ? { allowScripts: rootPkg.allowScripts } : {}),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return { dir, dependencies, missingBundle, undeclared };
}

/** Bare package names the staged JavaScript imports (static and literal dynamic imports, createRequire'd requires). */
export function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const builtins = new Set(builtinModules);
  // Statements only (tsc writes one per line): a quote inside a string literal must not read as an import.
  const re =
    /^\s*(?:import|export)\b[^'"\n]*?\bfrom\s*['"]([^'"./][^'"]*)['"]|^\s*import\s*['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)|\brequire\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) {
        for (const m of readFileSync(p, 'utf8').matchAll(re)) {
          const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
          if (spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk(dir);
  return found;
}

function installedVersion(root: string, dep: string): string | undefined {
  const p = join(root, 'node_modules', dep, 'package.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : undefined;
}

function main(argv: string[]): void {
  const skipBuild = argv.includes('--skip-build');
  const requested = argv.filter((a) => !a.startsWith('--'));
  const names: CatalogName[] = deployableFunctions().filter((n) => requested.length === 0 || requested.includes(n));
  if (!skipBuild) {
    console.log('building: npx tsc -p tsconfig.build.json');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
    // The api function serves the dashboard from dist/dashboard (a bundle path in its catalog entry).
    console.log('building: npm run build:dashboard');
    execFileSync('npm', ['run', 'build:dashboard'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  for (const name of names) {
    const r = stageFunction(name, {
      root: REPO_ROOT,
      distDir: join(REPO_ROOT, 'dist'),
      outDir: STAGING_DIR,
      bundle: FUNCTION_CATALOG[name].bundle,
    });
    console.log(`staged ${name} -> ${r.dir} (${Object.keys(r.dependencies).join(', ')})`);
    for (const m of r.missingBundle) console.warn(`warning: ${name}: bundle path ${m} does not exist, skipped`);
    for (const d of r.undeclared)
      console.warn(`warning: ${name}: imports ${d}, not in package.json dependencies (pinned the installed version)`);
  }
  console.log('next: npm run infra:synth');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
