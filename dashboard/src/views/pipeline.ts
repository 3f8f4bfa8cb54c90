import { api, type DelayStats, type PipelineCounts } from '../api.js';
import { fill, h } from '../dom.js';
import { formatAgo, formatCount, formatDuration, formatTime } from '../format.js';

const delayCells = (d: DelayStats) => [formatDuration(d.p50Ms), formatDuration(d.p95Ms), formatDuration(d.maxMs)].map((v) => h('td', { class: 'num' }, v));

function windowRows(label: string, c: PipelineCounts): HTMLElement[] {
  const rejected = Object.values(c.rejectedByReason).reduce((a, b) => a + b, 0);
  return [
    h('tr', {}, h('th', { scope: 'row' }, label), ...[c.stored.rows, rejected, c.scored, c.alerts].map((n) => h('td', { class: 'num' }, formatCount(n)))),
  ];
}

/** Pipeline health: throughput, rejections by reason, dead letters, delays and the last reading per device. */
export async function pipelinePage(main: HTMLElement): Promise<void> {
  const health = await api.health();
  const reasons = new Set([...Object.keys(health.lastHour.rejectedByReason), ...Object.keys(health.lastDay.rejectedByReason)]);
  fill(
    main,
    h('h1', {}, 'Pipeline health'),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'card', 'aria-label': 'Throughput' },
        h('h2', {}, 'Rows by write time'),
        h(
          'table',
          { class: 'grid' },
          h('thead', {}, h('tr', {}, h('th', {}, ''), ...['stored', 'rejected', 'scored', 'alerts'].map((t) => h('th', { class: 'num' }, t)))),
          h('tbody', {}, ...windowRows('last hour', health.lastHour), ...windowRows('last 24 h', health.lastDay)),
        ),
        h('p', { class: 'muted' }, `Dead letters (undecodable messages kept raw): ${health.deadLetters === null ? 'not readable from this backend' : formatCount(health.deadLetters)}`),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Rejections' },
        h('h2', {}, 'Rejected, by reason'),
        reasons.size
          ? h(
              'table',
              { class: 'grid' },
              h('thead', {}, h('tr', {}, h('th', {}, 'reason'), h('th', { class: 'num' }, 'last hour'), h('th', { class: 'num' }, 'last 24 h'))),
              h(
                'tbody',
                {},
                ...[...reasons].map((r) =>
                  h('tr', {}, h('td', {}, r), h('td', { class: 'num' }, formatCount(health.lastHour.rejectedByReason[r] ?? 0)), h('td', { class: 'num' }, formatCount(health.lastDay.rejectedByReason[r] ?? 0))),
                ),
              ),
            )
          : h('p', { class: 'empty' }, 'Nothing rejected in the last 24 h.'),
      ),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'card', 'aria-label': 'Delays' },
        h('h2', {}, 'Delays, last 24 h'),
        h(
          'table',
          { class: 'grid' },
          h('thead', {}, h('tr', {}, h('th', {}, 'from a reading’s time to'), ...['p50', 'p95', 'max'].map((t) => h('th', { class: 'num' }, t)))),
          h('tbody', {}, h('tr', {}, h('td', {}, 'storage'), ...delayCells(health.lastDay.storeDelay)), h('tr', {}, h('td', {}, 'score'), ...delayCells(health.lastDay.scoreDelay))),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Last reading per device' },
        h('h2', {}, 'Last reading per device (last 7 days)'),
        h(
          'table',
          { class: 'grid' },
          h(
            'tbody',
            {},
            ...health.devices.map((d) =>
              h(
                'tr',
                {},
                h('td', {}, d.deviceId),
                h('td', {}, h('span', { class: `pill status-${d.status}` }, d.status)),
                h('td', { class: 'nowrap' }, formatTime(d.lastReadingAt), h('div', { class: 'muted' }, formatAgo(d.lastReadingAt))),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
