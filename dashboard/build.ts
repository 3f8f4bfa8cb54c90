import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where `npm run build:dashboard` writes and the api function serves from by default. */
export const DASHBOARD_DIST = resolve(HERE, '../dist/dashboard');

export interface DashboardBuild {
  readonly dir: string;
  /** Bytes of each emitted file, by name. */
  readonly files: Record<string, number>;
}

/**
 * Bundles the dashboard (TypeScript, CSS, uPlot) into `outDir`: index.html plus content-hashed app-*.js and
 * app-*.css, so the html can be served uncached and the assets cached for good. Nothing is fetched at run time.
 */
export async function buildDashboard(outDir = DASHBOARD_DIST): Promise<DashboardBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(HERE, 'src/main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    entryNames: '[name]-[hash]',
    outdir: outDir,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const files: Record<string, number> = {};
  let html = readFileSync(join(HERE, 'index.html'), 'utf8');
  for (const [path, out] of Object.entries(result.metafile.outputs)) {
    const name = basename(path);
    files[name] = out.bytes;
    html = html.replace(name.endsWith('.css') ? 'href="app.css"' : 'src="app.js"', (attr) =>
      attr.replace(/app\.(css|js)/, name),
    );
  }
  writeFileSync(join(outDir, 'index.html'), html);
  files['index.html'] = Buffer.byteLength(html);
  return { dir: outDir, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildDashboard(process.argv[2] ? resolve(process.argv[2]) : undefined);
  const sizes = Object.entries(out.files).map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)} KiB`);
  console.log(`dashboard built in ${out.dir}: ${sizes.join(', ')}`);
}
