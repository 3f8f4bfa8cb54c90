import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AlignedSeries } from './align.js';

export const COLORS = {
  reading: '#0f172a',
  band: 'rgba(124, 58, 237, 0.16)',
  bandEdge: 'rgba(124, 58, 237, 0.45)',
  p50: '#7c3aed',
  anomaly: '#dc2626',
  flag: '#d97706',
} as const;

export interface SeriesChartOptions {
  readonly unit: string;
  /** Called after the user zooms or pans, with the visible window in epoch seconds. */
  readonly onWindow: (from: number, to: number) => void;
}

/** The visible x window, once the chart has one. */
function xWindow(u: uPlot): { min: number; max: number } | undefined {
  const x = u.scales.x;
  return x?.min !== undefined && x.max !== undefined ? { min: x.min, max: x.max } : undefined;
}

/** Cleaning flags as amber ticks along the plot's bottom edge: they exist even where the value is missing. */
function flagsPlugin(flags: () => readonly (readonly string[])[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const bottom = u.bbox.top + u.bbox.height;
        const size = 5 * uPlot.pxRatio;
        ctx.save();
        ctx.fillStyle = COLORS.flag;
        const xs = u.data[0];
        flags().forEach((f, i) => {
          const t = xs[i];
          if (f.length === 0 || t === undefined) return;
          const x = u.valToPos(t, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          ctx.beginPath();
          ctx.moveTo(x, bottom - 2 * size);
          ctx.lineTo(x - size, bottom);
          ctx.lineTo(x + size, bottom);
          ctx.closePath();
          ctx.fill();
        });
        ctx.restore();
      },
    },
  };
}

/** Wheel zooms around the cursor; shift-drag (or middle-drag) pans. Drag alone selects a window (uPlot's own). */
function zoomPanPlugin(): uPlot.Plugin {
  return {
    hooks: {
      ready: (u) => {
        u.over.addEventListener(
          'wheel',
          (e) => {
            e.preventDefault();
            const w = xWindow(u);
            if (!w) return;
            const { min, max } = w;
            const at = u.posToVal(u.cursor.left ?? u.bbox.width / 2 / uPlot.pxRatio, 'x');
            const factor = e.deltaY < 0 ? 0.8 : 1.25;
            u.setScale('x', { min: at - (at - min) * factor, max: at + (max - at) * factor });
          },
          { passive: false },
        );
        u.over.addEventListener(
          'mousedown',
          (e) => {
            if (!e.shiftKey && e.button !== 1) return;
            e.preventDefault();
            e.stopPropagation();
            const w = xWindow(u);
            if (!w) return;
            const { min, max } = w;
            const perPx = (max - min) / u.over.clientWidth;
            const startX = e.clientX;
            const move = (m: MouseEvent) => {
              const dt = (m.clientX - startX) * perPx;
              u.setScale('x', { min: min - dt, max: max - dt });
            };
            const up = () => {
              document.removeEventListener('mousemove', move);
              document.removeEventListener('mouseup', up);
            };
            document.addEventListener('mousemove', move);
            document.addEventListener('mouseup', up);
          },
          { capture: true },
        );
      },
    },
  };
}

/** Readings with the forecast's p10–p90 band and p50, anomaly markers and cleaning-flag ticks. */
export class SeriesChart {
  private readonly plot: uPlot;
  private flags: readonly (readonly string[])[] = [];
  /**
   * The window the code last set: uPlot reports scale changes after the fact (batched), so a change is the user's
   * (a zoom or a pan, which asks for data) only when it lands elsewhere.
   */
  private expected: { from: number; to: number };
  private readonly resize: ResizeObserver;

  constructor(
    host: HTMLElement,
    data: AlignedSeries,
    window: { from: number; to: number },
    options: SeriesChartOptions,
  ) {
    this.flags = data.flags;
    const opts: uPlot.Options = {
      width: Math.max(320, host.clientWidth),
      height: 340,
      cursor: { drag: { x: true, y: false, setScale: true }, bind: { dblclick: () => () => null } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } },
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' }, label: options.unit, size: 60 },
      ],
      series: [
        {},
        { label: `reading (${options.unit})`, stroke: COLORS.reading, width: 1.25 },
        { label: 'forecast p10', stroke: COLORS.bandEdge, width: 1, spanGaps: true },
        { label: 'forecast p90', stroke: COLORS.bandEdge, width: 1, spanGaps: true },
        { label: 'forecast p50', stroke: COLORS.p50, width: 1.5, dash: [6, 4], spanGaps: true },
        {
          label: 'anomaly',
          stroke: COLORS.anomaly,
          paths: () => null,
          points: { show: true, size: 11, width: 2, stroke: '#ffffff', fill: COLORS.anomaly },
        },
      ],
      bands: [{ series: [3, 2], fill: COLORS.band }],
      plugins: [flagsPlugin(() => this.flags), zoomPanPlugin()],
      hooks: {
        setScale: [
          (u, key) => {
            const w = xWindow(u);
            const moved = w && (Math.abs(w.min - this.expected.from) > 1 || Math.abs(w.max - this.expected.to) > 1);
            if (key === 'x' && w && moved) {
              this.expected = { from: w.min, to: w.max };
              options.onWindow(w.min, w.max);
            }
          },
        ],
      },
    };
    this.expected = { ...window };
    this.plot = new uPlot(opts, columns(data), host);
    this.setWindow(window.from, window.to);
    this.resize = new ResizeObserver(() => {
      const width = Math.max(320, host.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: 340 });
    });
    this.resize.observe(host);
  }

  /** New data for the visible window; the window stays where the user put it. */
  update(data: AlignedSeries, window: { from: number; to: number }): void {
    this.flags = data.flags;
    this.expected = { ...window };
    this.plot.setData(columns(data), false);
    this.setWindow(window.from, window.to);
  }

  setWindow(from: number, to: number): void {
    this.expected = { from, to };
    this.plot.setScale('x', { min: from, max: to });
  }

  get window(): { from: number; to: number } {
    const w = xWindow(this.plot);
    return w ? { from: w.min, to: w.max } : { from: 0, to: 0 };
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
  }
}

function columns(d: AlignedSeries): uPlot.AlignedData {
  return [d.x, d.value, d.p10, d.p90, d.p50, d.anomaly];
}
