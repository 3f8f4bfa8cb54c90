/**
 * Browser side of the chart benchmark (test/bench/dashboard.bench.ts): the dashboard's SeriesChart on N synthetic
 * points (readings, p10–p90 band, p50, anomaly markers, flag ticks) next to the same lines and band drawn straight
 * onto a canvas, the least any chart library can cost.
 */
import type { AlignedSeries } from '../src/chart/align.js';
import { SeriesChart } from '../src/chart/series-chart.js';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function synthetic(n: number): AlignedSeries {
  const d: AlignedSeries = { x: [], value: [], p10: [], p90: [], p50: [], anomaly: [], flags: [] };
  for (let i = 0; i < n; i++) {
    const base = 100 + 40 * Math.sin(i / 48) + 10 * Math.sin(i / 7);
    const v = base + ((i * 7919) % 13) - 6;
    d.x.push(1_500_000_000 + i * 900);
    d.value.push(v);
    d.p50.push(base);
    d.p10.push(base - 15);
    d.p90.push(base + 15);
    d.anomaly.push(i % 997 === 0 ? v : null);
    d.flags.push(i % 1009 === 0 ? ['spike'] : []);
  }
  return d;
}

function rawDraw(canvas: HTMLCanvasElement, d: AlignedSeries, i0: number, i1: number): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const t0 = d.x[i0] as number;
  const sx = canvas.width / ((d.x[i1 - 1] as number) - t0);
  const sy = canvas.height / 200;
  const X = (i: number) => ((d.x[i] as number) - t0) * sx;
  const Y = (v: number | null) => canvas.height - (v ?? 0) * sy;
  ctx.beginPath();
  for (let i = i0; i < i1; i++) ctx.lineTo(X(i), Y(d.p90[i] ?? null));
  for (let i = i1 - 1; i >= i0; i--) ctx.lineTo(X(i), Y(d.p10[i] ?? null));
  ctx.fillStyle = 'rgba(124,58,237,0.16)';
  ctx.fill();
  for (const col of [d.value, d.p50, d.p10, d.p90]) {
    ctx.beginPath();
    for (let i = i0; i < i1; i++) ctx.lineTo(X(i), Y(col[i] ?? null));
    ctx.stroke();
  }
}

async function time(fn: () => void): Promise<number> {
  const t = performance.now();
  fn();
  await settle();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function benchChart(n: number, zooms: number) {
  const d = synthetic(n);
  const host = document.createElement('div');
  host.style.width = '1200px';
  document.body.append(host);
  const full = { from: d.x[0] as number, to: d.x[n - 1] as number };
  let chart: SeriesChart | undefined;
  const firstDraw = await time(() => {
    chart = new SeriesChart(host, d, full, { unit: 'kWh', onWindow: () => undefined });
  });
  const canvas = document.createElement('canvas');
  canvas.width = 1200;
  canvas.height = 340;
  document.body.append(canvas);
  const rawFirst = await time(() => rawDraw(canvas, d, 0, n));
  const zoom: number[] = [];
  const rawZoom: number[] = [];
  for (let k = 0; k < zooms; k++) {
    // Windows from the whole series down to 1/64 of it, as wheel zooms go.
    const span = Math.max(2, Math.floor(n / 2 ** (k % 7)));
    const i0 = Math.floor(((k * 0.37) % 1) * (n - span));
    zoom.push(await time(() => chart?.setWindow(d.x[i0] as number, d.x[i0 + span - 1] as number)));
    rawZoom.push(await time(() => rawDraw(canvas, d, i0, i0 + span)));
  }
  chart?.destroy();
  host.remove();
  canvas.remove();
  return {
    points: n,
    firstDrawMs: firstDraw,
    rawFirstDrawMs: rawFirst,
    zoomMedianMs: median(zoom),
    rawZoomMedianMs: median(rawZoom),
  };
}

(window as unknown as { benchChart: typeof benchChart }).benchChart = benchChart;
