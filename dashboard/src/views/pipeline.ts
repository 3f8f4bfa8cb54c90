import { api, type CopilotUsage, type DelayStats, type PipelineCounts } from '../api.js';
import { fill, h } from '../dom.js';
import { formatAgo, formatCount, formatDuration, formatTime } from '../format.js';
import { card, gridTable } from './parts.js';

const delays = (d: DelayStats) => [d.p50Ms, d.p95Ms, d.maxMs].map(formatDuration);
const rejectedIn = (c: PipelineCounts) => Object.values(c.rejectedByReason).reduce((a, b) => a + b, 0);
const counts = (c: PipelineCounts) => [c.stored.rows, rejectedIn(c), c.scored, c.alerts].map(formatCount);
const copilotRow = (u: CopilotUsage) => [
  ...[u.modelCalls, u.toolCalls, u.errors, u.tokensIn, u.tokensOut].map(formatCount),
  `$${u.estimatedCostUsd.toFixed(4)}`,
  formatDuration(u.latency.p95Ms),
];

/**
 * Pipeline health: throughput, rejections by reason, dead letters, delays, the last reading per device and the
 * copilot's calls.
 */
export async function pipelinePage(main: HTMLElement): Promise<void> {
  const health = await api.health();
  const { lastHour, lastDay } = health;
  const reasons = [...new Set([...Object.keys(lastHour.rejectedByReason), ...Object.keys(lastDay.rejectedByReason)])];
  const deadLetters = health.deadLetters === null ? 'not readable from this backend' : formatCount(health.deadLetters);
  fill(
    main,
    h('h1', {}, 'Pipeline health'),
    h(
      'div',
      { class: 'columns' },
      card(
        'Throughput',
        'Rows by write time',
        gridTable(
          ['', '#stored', '#rejected', '#scored', '#alerts'],
          [
            ['last hour', ...counts(lastHour)],
            ['last 24 h', ...counts(lastDay)],
          ],
        ),
        h('p', { class: 'muted' }, `Dead letters (undecodable messages kept raw): ${deadLetters}`),
      ),
      card(
        'Rejections',
        'Rejected, by reason',
        reasons.length
          ? gridTable(
              ['reason', '#last hour', '#last 24 h'],
              reasons.map((r) => [
                r,
                formatCount(lastHour.rejectedByReason[r] ?? 0),
                formatCount(lastDay.rejectedByReason[r] ?? 0),
              ]),
            )
          : h('p', { class: 'empty' }, 'Nothing rejected in the last 24 h.'),
      ),
    ),
    h(
      'div',
      { class: 'columns' },
      card(
        'Delays',
        'Delays, last 24 h',
        gridTable(
          ['from a reading’s time to', '#p50', '#p95', '#max'],
          [
            ['storage', ...delays(lastDay.storeDelay)],
            ['score', ...delays(lastDay.scoreDelay)],
          ],
        ),
      ),
      card(
        'Last reading per device',
        'Last reading per device (last 7 days)',
        gridTable(
          [],
          health.devices.map((d) => [
            d.deviceId,
            h('span', { class: `pill status-${d.status}` }, d.status),
            h(
              'span',
              { class: 'nowrap' },
              formatTime(d.lastReadingAt),
              h('div', { class: 'muted' }, formatAgo(d.lastReadingAt)),
            ),
          ]),
        ),
      ),
    ),
    card(
      'Copilot',
      'Copilot calls',
      gridTable(
        ['', '#model calls', '#tool calls', '#errors', '#tokens in', '#tokens out', '#est. cost', '#p95 latency'],
        [
          ['last hour', ...copilotRow(health.copilot.lastHour)],
          ['last 24 h', ...copilotRow(health.copilot.lastDay)],
        ],
      ),
    ),
  );
}
