import { api, type DeviceView, type HealthResponse } from '../api.js';
import { fill, h } from '../dom.js';
import { formatAgo, formatCount, formatDuration, formatTime } from '../format.js';
import { href } from '../route.js';
import { alertTable } from './alerts.js';
import { card } from './parts.js';
import { SeriesView } from './series-view.js';

function kpi(label: string, value: string, detail: string, tone = ''): HTMLElement {
  return h(
    'div',
    { class: `kpi ${tone}` },
    h('div', { class: 'kpi-label' }, label),
    h('div', { class: 'kpi-value' }, value),
    h('div', { class: 'kpi-detail' }, detail),
  );
}

function deviceKpis(devices: readonly DeviceView[]): HTMLElement[] {
  const by = (s: DeviceView['status']) => devices.filter((d) => d.status === s).length;
  const open = devices.reduce((n, d) => n + d.openAlerts, 0);
  const critical = devices.reduce((n, d) => n + d.openCriticalAlerts, 0);
  return [
    kpi(
      'Devices',
      formatCount(devices.length),
      `${by('reporting')} reporting · ${by('silent')} silent · ${by('faulted')} faulted`,
      by('faulted') ? 'warn' : '',
    ),
    kpi(
      'Open alerts',
      formatCount(open),
      `${formatCount(critical)} critical`,
      critical ? 'bad' : open ? 'warn' : 'good',
    ),
  ];
}

function pipelineKpis(health: HealthResponse): HTMLElement[] {
  const day = health.lastDay;
  const rejected = Object.values(day.rejectedByReason).reduce((a, b) => a + b, 0);
  return [
    kpi(
      'Stored, last 24 h',
      formatCount(day.stored.rows),
      `${formatCount(rejected)} rejected · ${formatCount(health.deadLetters)} dead letters`,
      rejected || health.deadLetters ? 'warn' : '',
    ),
    kpi('Scored, last 24 h', formatCount(day.scored), `reading → score p50 ${formatDuration(day.scoreDelay.p50Ms)}`),
  ];
}

function deviceTable(devices: readonly DeviceView[]): HTMLElement {
  return h(
    'table',
    { class: 'grid devices-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Device'),
        h('th', {}, 'Status'),
        h('th', {}, 'Last reading'),
        h('th', { class: 'num' }, 'Open alerts'),
      ),
    ),
    h(
      'tbody',
      {},
      ...devices.map((d) =>
        h(
          'tr',
          { 'data-device-id': d.deviceId },
          h(
            'td',
            {},
            h('a', { href: href('overview', { device: d.deviceId }) }, d.deviceId),
            h('div', { class: 'muted' }, `${d.site} · ${d.type}`),
          ),
          h('td', {}, h('span', { class: `pill status-${d.status}` }, d.status)),
          h(
            'td',
            { class: 'nowrap', title: formatTime(d.lastReadingAt) },
            formatTime(d.lastReadingAt),
            h('div', { class: 'muted' }, formatAgo(d.lastReadingAt)),
          ),
          h(
            'td',
            { class: 'num' },
            d.openAlerts
              ? h('span', { class: `count ${d.openCriticalAlerts ? 'bad' : 'warn'}` }, formatCount(d.openAlerts))
              : '0',
          ),
        ),
      ),
    ),
  );
}

/** Plant overview: headline figures, the selected series, devices and the newest open alerts. */
export async function overviewPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  // Pipeline counts are the slowest read: they fill their cards when they come, the rest does not wait.
  const health = api.health();
  health.catch(() => undefined); // awaited below; not an unhandled rejection if the devices fail first
  const { devices } = await api.devices();
  const series = new SeriesView(devices, {
    deviceId: params.get('device'),
    metric: params.get('metric'),
    range: params.get('range'),
    from: params.get('from'),
    to: params.get('to'),
  });
  const pipeline = h(
    'div',
    { class: 'kpi-pair' },
    kpi('Stored, last 24 h', '…', ''),
    kpi('Scored, last 24 h', '…', ''),
  );
  const alerts = h('div', { class: 'table-wrap', id: 'open-alerts' }, h('p', { class: 'empty' }, 'Loading…'));
  fill(
    main,
    h('h1', {}, 'Plant overview'),
    h('div', { class: 'kpis' }, ...deviceKpis(devices), pipeline),
    series.root,
    h(
      'div',
      { class: 'columns' },
      card('Devices', 'Devices', h('div', { class: 'table-wrap' }, deviceTable(devices))),
      card('Open alerts', ['Open alerts ', h('a', { class: 'small', href: href('alerts') }, 'all alerts →')], alerts),
    ),
  );
  const showAlerts = async () => {
    const open = await api.openAlerts(devices, 8);
    const table = alertTable({ compact: true });
    table.add(open);
    fill(alerts, open.length ? table.table : h('p', { class: 'empty' }, 'No open alerts.'));
  };
  await Promise.all([series.load(), showAlerts(), health.then((hr) => fill(pipeline, ...pipelineKpis(hr)))]);
}
