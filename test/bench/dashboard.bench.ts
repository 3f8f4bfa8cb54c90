/**
 * Dashboard benchmarks in headless Debian chromium (test/support/browser.ts):
 *
 * 1. Chart: the dashboard's SeriesChart (uPlot) drawing 100,000 points with the forecast band, markers and flag
 *    ticks, first draw and zoom redraws, next to the same lines and band drawn straight onto a canvas (baseline).
 * 2. First render: the dashboard served by a running api function (KILOWATCH_API_URL, default
 *    http://127.0.0.1:8084/, e.g. `npm start`'s demo) from navigation to the overview drawn
 *    (performance mark `dashboard-ready`: devices, figures, alerts and the series chart), next to loading the
 *    API's /healthz in the same browser (baseline).
 *
 *   npx tsx test/bench/dashboard.bench.ts     (standalone; prints markdown)
 */
import { gzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildDashboard } from '../../dashboard/build.js';
import { launchChromium, type HeadlessChromium } from '../support/browser.js';

const ENTRY = fileURLToPath(new URL('../../dashboard/bench/chart.ts', import.meta.url));

interface ChartFigures {
  points: number;
  firstDrawMs: number;
  rawFirstDrawMs: number;
  zoomMedianMs: number;
  rawZoomMedianMs: number;
}

export async function chartBench(browser: HeadlessChromium, points = 100_000, zooms = 28): Promise<ChartFigures> {
  const out = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
    outdir: '/bench',
    logLevel: 'warning',
  });
  const text = (ext: string) => out.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  const { page } = await browser.page();
  await page.setContent(`<html><head><style>${text('.css')}</style></head><body></body></html>`);
  await page.addScriptTag({ content: text('.js') });
  const figures = await page.evaluate(
    ([n, z]) => (globalThis as unknown as { benchChart(n: number, z: number): Promise<ChartFigures> }).benchChart(n, z),
    [points, zooms] as const,
  );
  await page.close();
  return figures;
}

export interface FirstRender {
  runs: number;
  coldMs: number;
  warmMedianMs: number;
  healthzMedianMs: number;
}

/** Navigation to `dashboard-ready`, first with an empty cache, then `runs` reloads; /healthz loads as baseline. */
export async function firstRenderBench(browser: HeadlessChromium, baseUrl: string, runs = 7): Promise<FirstRender> {
  const { page, problems } = await browser.page();
  // The baseline on a page of its own: a JSON document has no favicon link, its /favicon.ico 404 is not the dashboard's.
  const { page: plain } = await browser.page();
  // Each page to the front before it loads: chromium throttles background tabs.
  const ready = async (url: string): Promise<number> => {
    await page.bringToFront();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="overview"]', { timeout: 30_000 });
    return page.evaluate(() => performance.getEntriesByName('dashboard-ready')[0]?.startTime ?? NaN);
  };
  const loaded = async (url: string): Promise<number> => {
    await plain.bringToFront();
    await plain.goto(url);
    // Browser-side code as a string: Node's types know no navigation timing.
    return Number(await plain.evaluate('performance.getEntriesByType("navigation")[0].loadEventEnd'));
  };
  const coldMs = await ready(baseUrl);
  const warm: number[] = [];
  const healthz: number[] = [];
  for (let i = 0; i < runs; i++) {
    warm.push(await ready(`${baseUrl}?run=${i}`));
    healthz.push(await loaded(new URL('/healthz', baseUrl).href));
  }
  if (problems.length) throw new Error(`the dashboard logged errors: ${problems.join('; ')}`);
  await Promise.all([page.close(), plain.close()]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { runs, coldMs, warmMedianMs: median(warm), healthzMedianMs: median(healthz) };
}

/** Bytes of the built bundle, raw and gzipped (built into a temp folder: a running api's dist/dashboard stays). */
export async function bundleSize(): Promise<{ js: number; jsGz: number; css: number; cssGz: number }> {
  const { dir } = await buildDashboard(mkdtempSync(join(tmpdir(), 'kilowatch-dashboard-size-')));
  const sizes = { js: 0, jsGz: 0, css: 0, cssGz: 0 };
  for (const name of readdirSync(dir)) {
    const body = readFileSync(join(dir, name));
    const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : undefined;
    if (!kind) continue;
    sizes[kind] += body.length;
    sizes[`${kind}Gz`] += gzipSync(body).length;
  }
  rmSync(dir, { recursive: true, force: true });
  return sizes;
}

export async function dashboardBenchMarkdown(): Promise<string> {
  const browser = await launchChromium();
  const lines: string[] = [];
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  try {
    const size = await bundleSize();
    lines.push(
      '\n## Dashboard chart: readings, band, p50, markers, flags (headless chromium, 1200×340)',
      '| points | measure | SeriesChart (uPlot) | plain canvas lines (baseline) | ratio |',
      '| --- | --- | --- | --- | --- |',
    );
    // 100,000: what the chart library must take; 4,000: the most the dashboard asks the API for (M4 at its width).
    for (const points of [100_000, 4_000]) {
      const c = await chartBench(browser, points);
      const n = points.toLocaleString('en-US');
      lines.push(
        `| ${n} | first draw | ${ms(c.firstDrawMs)} | ${ms(c.rawFirstDrawMs)} | ${(c.firstDrawMs / c.rawFirstDrawMs).toFixed(2)}x |`,
        `| ${n} | zoom redraw, median | ${ms(c.zoomMedianMs)} | ${ms(c.rawZoomMedianMs)} | ${(c.zoomMedianMs / c.rawZoomMedianMs).toFixed(2)}x |`,
      );
    }
    lines.push(
      `\nBundle: ${(size.js / 1024).toFixed(1)} KiB JS (${(size.jsGz / 1024).toFixed(1)} KiB gzipped), ${(size.css / 1024).toFixed(1)} KiB CSS (${(size.cssGz / 1024).toFixed(1)} KiB gzipped).`,
    );
    const url = process.env.KILOWATCH_API_URL ?? 'http://127.0.0.1:8084/';
    const up = await fetch(new URL('/healthz', url)).then(
      (r) => r.ok,
      () => false,
    );
    if (!up) lines.push(`\n(First render skipped: no api function answers at ${url}; start \`npm start\` first.)`);
    else {
      const f = await firstRenderBench(browser, url);
      lines.push(
        `\n## Dashboard first render: ${url} (navigation → overview drawn), headless chromium`,
        '| measure | value |\n| --- | --- |',
        `| first load, empty cache | ${ms(f.coldMs)} |`,
        `| reload, median of ${f.runs} | ${ms(f.warmMedianMs)} |`,
        `| /healthz page load, median (baseline) | ${ms(f.healthzMedianMs)} |`,
        `| reload / baseline | ${(f.warmMedianMs / f.healthzMedianMs).toFixed(1)}x |`,
      );
    }
  } finally {
    await browser.close();
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(await dashboardBenchMarkdown());
