import { api, type DeviceView, type ForecastRun, type SeriesResponse } from '../api.js';
import { alignSeries, type AlignedSeries } from '../chart/align.js';
import { COLORS, SeriesChart } from '../chart/series-chart.js';
import { fill, h } from '../dom.js';
import { formatCount, formatNumber, formatTime } from '../format.js';
import { replaceParams } from '../route.js';

const DAY_S = 86_400;
export const PRESETS = { '1d': 1, '3d': 3, '7d': 7, '30d': 30, '1y': 365 } as const;
type Preset = keyof typeof PRESETS;
const isPreset = (p: string | null): p is Preset => p !== null && p in PRESETS;
/** How far past the last reading a preset looks for a forecast (the day-ahead one reaches a day past it). */
const FORECAST_LOOKAHEAD_S = 7 * DAY_S;
const STEP_S = 900;

export interface SeriesSelection {
  readonly deviceId?: string | null;
  readonly metric?: string | null;
  readonly range?: string | null;
  readonly from?: string | null;
  readonly to?: string | null;
}

interface Window {
  readonly from: number;
  readonly to: number;
}

const iso = (s: number) => new Date(s * 1000).toISOString();
/** `<input type="datetime-local">` value in UTC, minutes. */
const localInput = (s: number) => iso(s).slice(0, 16);

/** One series: readings, the forecast band, anomalies and cleaning flags, with zoom, pan and a time-range picker. */
export class SeriesView {
  readonly root = h('section', { class: 'card series', 'aria-label': 'Series' });
  private readonly chartHost = h('div', { class: 'chart', id: 'series-chart' });
  private readonly summary = h('div', { class: 'series-summary', id: 'series-summary' });
  private readonly emptyNote = h(
    'p',
    { class: 'chart-empty' },
    'No readings or forecast in this range yet: pick another range, or Refresh while data arrives.',
  );
  private readonly toolbar = h('div', { class: 'toolbar' });
  private chart: SeriesChart | undefined;
  private device: DeviceView | undefined;
  private metric = '';
  private preset: Preset | null = '3d';
  private window: Window = { from: 0, to: 0 };
  private request = 0;
  private zoomTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly devices: readonly DeviceView[],
    selection: SeriesSelection,
  ) {
    this.select(selection);
    this.root.append(this.toolbar, h('div', { class: 'chart-frame' }, this.chartHost, this.emptyNote), this.summary);
    this.renderToolbar();
  }

  /** Draws the selection; resolves once the chart shows it. */
  async load(): Promise<void> {
    const device = this.device;
    if (!device) {
      fill(this.chartHost, h('p', { class: 'empty' }, 'No device has reported yet.'));
      return;
    }
    await this.fetchAndDraw(this.window, true);
  }

  private select(s: SeriesSelection): void {
    // By default the device with the longest history: in the demo, the steel plant's year and its forecast.
    this.device =
      this.devices.find((d) => d.deviceId === s.deviceId) ??
      [...this.devices].sort((a, b) => b.readings - a.readings)[0];
    const metrics = (this.device?.metrics ?? []).map((m) => m.name);
    this.metric = s.metric && metrics.includes(s.metric) ? s.metric : (metrics[0] ?? '');
    const from = s.from ? Date.parse(s.from) / 1000 : NaN;
    const to = s.to ? Date.parse(s.to) / 1000 : NaN;
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
      this.preset = null;
      this.window = { from, to };
    } else {
      this.preset = isPreset(s.range ?? null) ? (s.range as Preset) : '3d';
      this.window = this.presetWindow(this.preset);
    }
  }

  /** The preset's span up to the device's last reading; the first draw stretches it to the forecast's end. */
  private presetWindow(preset: Preset): Window {
    const last = this.device?.lastReadingAt ? Date.parse(this.device.lastReadingAt) / 1000 : Date.now() / 1000;
    const to = Math.ceil((last + 1) / STEP_S) * STEP_S;
    return { from: to - PRESETS[preset] * DAY_S, to };
  }

  private renderToolbar(): void {
    const deviceSelect = h(
      'select',
      {
        id: 'series-device',
        'aria-label': 'Device',
        onchange: () => this.change({ deviceId: deviceSelect.value, metric: null }),
      },
      ...this.devices.map((d) => h('option', { value: d.deviceId, selected: d === this.device }, d.deviceId)),
    );
    const metricSelect = h(
      'select',
      { id: 'series-metric', 'aria-label': 'Metric', onchange: () => this.change({ metric: metricSelect.value }) },
      ...(this.device?.metrics ?? []).map((m) =>
        h('option', { value: m.name, selected: m.name === this.metric }, m.name),
      ),
    );
    const presets = h(
      'div',
      { class: 'segmented', role: 'group', 'aria-label': 'Time range' },
      ...Object.keys(PRESETS).map((p) =>
        h(
          'button',
          { type: 'button', class: p === this.preset ? 'active' : undefined, onclick: () => this.change({ range: p }) },
          p,
        ),
      ),
    );
    const from = h('input', {
      type: 'datetime-local',
      id: 'series-from',
      'aria-label': 'From (UTC)',
      value: localInput(this.window.from),
    });
    const to = h('input', {
      type: 'datetime-local',
      id: 'series-to',
      'aria-label': 'To (UTC)',
      value: localInput(this.window.to),
    });
    const apply = (e: Event) => {
      e.preventDefault();
      if (from.value && to.value) this.change({ from: `${from.value}:00Z`, to: `${to.value}:00Z` });
    };
    const custom = h(
      'form',
      { class: 'range-form', onsubmit: apply, onchange: apply },
      from,
      h('span', { class: 'muted' }, '→'),
      to,
    );
    const pan = (dir: -1 | 1) => () => {
      const w = this.chart?.window ?? this.window;
      const step = ((w.to - w.from) / 2) * dir;
      this.zoomTo({ from: w.from + step, to: w.to + step });
    };
    const nav = h(
      'div',
      { class: 'segmented', role: 'group', 'aria-label': 'Pan and zoom' },
      h('button', { type: 'button', title: 'Pan left', onclick: pan(-1) }, '◀'),
      h(
        'button',
        { type: 'button', title: 'Reset zoom', id: 'series-reset', onclick: () => this.zoomTo(this.window) },
        'Reset',
      ),
      h('button', { type: 'button', title: 'Pan right', onclick: pan(1) }, '▶'),
    );
    fill(this.toolbar, deviceSelect, metricSelect, h('span', { class: 'spacer' }), presets, custom, nav);
  }

  private change(s: SeriesSelection): void {
    const next = { deviceId: this.device?.deviceId, metric: this.metric, range: this.preset, ...s };
    if (s.range) Object.assign(next, { from: null, to: null });
    else if (s.from) next.range = null;
    this.select(next);
    replaceParams({
      device: this.device?.deviceId,
      metric: this.metric,
      range: this.preset ?? undefined,
      from: this.preset ? undefined : iso(this.window.from),
      to: this.preset ? undefined : iso(this.window.to),
    });
    this.renderToolbar();
    void this.load();
  }

  private zoomTo(w: Window): void {
    this.chart?.setWindow(w.from, w.to);
    void this.fetchAndDraw(w, false);
  }

  private onUserWindow(from: number, to: number): void {
    clearTimeout(this.zoomTimer);
    this.zoomTimer = setTimeout(() => void this.fetchAndDraw({ from, to }, false), 250);
  }

  /**
   * The server downsamples to the chart's width: zooming in fetches the finer points of the new window. A preset's
   * first draw also looks a week ahead for the latest forecast and widens the window to its end.
   */
  private async fetchAndDraw(requested: Window, fresh: boolean): Promise<void> {
    const device = this.device;
    if (!device) return;
    const request = ++this.request;
    const query = {
      deviceId: device.deviceId,
      metric: this.metric,
      from: iso(Math.floor(requested.from)),
      to: iso(Math.ceil(requested.to)),
      maxPoints: Math.min(4000, Math.max(200, Math.round(this.chartHost.clientWidth || 1000))),
    };
    const ahead = fresh && this.preset ? FORECAST_LOOKAHEAD_S : 0;
    this.root.classList.add('loading');
    try {
      const [series, forecast] = await Promise.all([
        api.series(query),
        api.forecast({ ...query, to: iso(Math.ceil(requested.to + ahead)) }),
      ]);
      if (request !== this.request) return;
      const lastTarget = forecast?.points.at(-1)?.targetTs;
      const forecastEnd = lastTarget ? Date.parse(lastTarget) / 1000 + STEP_S : 0;
      const w = ahead && forecastEnd > requested.to ? { from: requested.from, to: forecastEnd } : requested;
      if (fresh) {
        this.window = w;
        this.renderToolbar();
      }
      const data = alignSeries(series.points, forecast?.points ?? []);
      if (fresh || !this.chart) {
        this.chart?.destroy();
        fill(this.chartHost);
        this.chart = new SeriesChart(this.chartHost, data, w, {
          unit: series.unit,
          onWindow: (from, to) => this.onUserWindow(from, to),
        });
      } else this.chart.update(data, w);
      this.renderSummary(series, forecast, data);
      this.root.classList.toggle('empty-series', data.x.length === 0);
      this.root.dataset.state = 'drawn';
    } catch (err) {
      if (request !== this.request) return;
      this.root.dataset.state = 'error';
      fill(
        this.summary,
        h('p', { class: 'error', role: 'alert' }, `Could not load the series: ${(err as Error).message}`),
      );
    } finally {
      if (request === this.request) this.root.classList.remove('loading');
    }
  }

  private renderSummary(series: SeriesResponse, run: ForecastRun | null, data: AlignedSeries): void {
    const anomalies = series.points.filter((p) => p.isAnomaly);
    const flagCounts = new Map<string, number>();
    for (const f of data.flags.flat()) flagCounts.set(f, (flagCounts.get(f) ?? 0) + 1);
    const key = (color: string, shape: string, text: string) =>
      h('span', { class: 'key' }, h('i', { class: `swatch ${shape}`, style: `--c:${color}` }), text);
    fill(
      this.summary,
      h(
        'div',
        { class: 'keys' },
        key(
          COLORS.reading,
          'line',
          series.downsampling
            ? `${formatCount(series.points.length)} of ${formatCount(series.totalPoints)} readings (M4, flagged and anomalous kept)`
            : `${formatCount(series.totalPoints)} readings`,
        ),
        run
          ? key(
              COLORS.p50,
              'band',
              `forecast p10–p90, p50 · ${run.model} ${run.modelVersion}, origin ${formatTime(run.origin)}`,
            )
          : key(COLORS.bandEdge, 'band', 'no forecast in this range'),
        key(COLORS.anomaly, 'dot', `${formatCount(anomalies.length)} anomalies`),
        key(
          COLORS.flag,
          'tri',
          flagCounts.size
            ? `flags: ${[...flagCounts].map(([f, n]) => `${f} ${formatCount(n)}`).join(', ')}`
            : 'no cleaning flags',
        ),
      ),
      anomalies.length
        ? h(
            'ul',
            { class: 'anomaly-list', 'aria-label': 'Anomalies in view' },
            ...anomalies
              .slice(-5)
              .reverse()
              .map((p) =>
                h(
                  'li',
                  { 'data-ts': p.ts },
                  `${formatTime(p.ts)} · ${formatNumber(p.value)} ${series.unit} · score ${formatNumber(p.score)}`,
                ),
              ),
          )
        : null,
    );
  }
}
