import { api, type AlertView } from '../api.js';
import { fill, h } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { alertRange } from '../ranges.js';
import { href } from '../route.js';
import { rememberWho, whoInput } from './operator.js';

function severityPill(severity: AlertView['severity']): HTMLElement {
  return h('span', { class: `pill sev-${severity}` }, severity);
}

/** The acknowledgement cell: who and when once acknowledged, else a button that opens a small form. */
function ackCell(alert: AlertView, onAcked: (a: AlertView) => void): HTMLElement {
  const cell = h('td', { class: 'ack' });
  const ack = alert.acknowledgement;
  if (ack) {
    fill(
      cell,
      h('span', { class: 'acked', title: ack.note ?? '' }, `✓ ${ack.by}, ${formatTime(ack.at)}`),
      ack.note ? h('div', { class: 'muted note' }, ack.note) : null,
    );
    return cell;
  }
  const open = () => {
    const who = whoInput('Acknowledged by');
    const note = h('input', { name: 'note', maxlength: 2000, placeholder: 'note (optional)', 'aria-label': 'Note' });
    const error = h('span', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      {
        class: 'ack-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          api
            .acknowledge(alert.alertId, {
              by: rememberWho(who),
              ts: alert.ts,
              ...(note.value ? { note: note.value } : {}),
            })
            .then(onAcked, (err: unknown) => {
              error.textContent = (err as Error).message;
            });
        },
      },
      who,
      note,
      h('button', { type: 'submit', class: 'primary' }, 'Save'),
      error,
    );
    fill(cell, form);
    who.focus();
  };
  fill(cell, h('button', { type: 'button', class: 'ack-button', onclick: open }, 'Acknowledge'));
  return cell;
}

/** The message without the device id it starts with, where the row names the device already. */
function withoutDevice(a: AlertView): string {
  return a.message.startsWith(`${a.deviceId} `) ? a.message.slice(a.deviceId.length + 1) : a.message;
}

/** The overview's chart of the alert's series over the day before it. */
function chartAround(a: AlertView): string {
  const t = Date.parse(a.ts);
  const iso = (ms: number) => new Date(ms).toISOString();
  return href('overview', {
    device: a.deviceId,
    metric: a.metric ?? undefined,
    from: iso(t - 86_400_000),
    to: iso(t + 3_600_000),
  });
}

/** A table of alerts whose rows acknowledge themselves in place; `add` appends a further page. */
export function alertTable(options: { compact?: boolean } = {}): {
  table: HTMLTableElement;
  add(alerts: readonly AlertView[]): void;
} {
  const body = h('tbody');
  const compact = options.compact === true;
  const row = (a: AlertView): HTMLTableRowElement => {
    const what = [a.metric, a.kind].filter(Boolean).join(' · ');
    const tr: HTMLTableRowElement = h(
      'tr',
      { 'data-alert-id': a.alertId, class: a.acknowledgement ? 'is-acked' : undefined },
      h('td', {}, severityPill(a.severity)),
      h(
        'td',
        { class: 'nowrap' },
        a.metric ? h('a', { href: chartAround(a), title: 'Show on the chart' }, formatTime(a.ts)) : formatTime(a.ts),
      ),
      compact
        ? h(
            'td',
            { class: 'message' },
            h('div', { class: 'strong' }, a.deviceId, h('span', { class: 'muted' }, ` · ${what}`)),
            h('div', { class: 'muted clamp', title: a.message }, withoutDevice(a)),
          )
        : h('td', {}, h('div', { class: 'strong' }, a.deviceId), h('div', { class: 'muted' }, what)),
      compact ? null : h('td', { class: 'num' }, formatNumber(a.score)),
      compact ? null : h('td', { class: 'message' }, a.message),
      ackCell(a, (acked) => tr.replaceWith(row(acked))),
    );
    return tr;
  };
  const headers = compact
    ? ['Severity', 'Time', 'Alert', 'Acknowledgement']
    : ['Severity', 'Time', 'Device', 'Score', 'Message', 'Acknowledgement'];
  const table = h(
    'table',
    { class: `grid alerts-table${compact ? ' compact' : ''}` },
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { class: t === 'Score' ? 'num' : undefined }, t)))),
    body,
  );
  return { table, add: (alerts) => body.append(...alerts.map(row)) };
}

/** The alerts page: one device's alerts (default: the one with most open), filtered, pages of 100 via the API's cursor. */
export async function alertsPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const { devices } = await api.devices();
  const busiest = [...devices].sort((a, b) => b.openAlerts - a.openAlerts)[0];
  const device = devices.find((d) => d.deviceId === params.get('device')) ?? busiest;
  const stateParam = params.get('state') ?? 'open';
  const state = stateParam === 'open' || stateParam === 'acknowledged' ? stateParam : undefined;
  const severityParam = params.get('severity');
  const severity =
    severityParam === 'critical' || severityParam === 'warning' || severityParam === 'info' ? severityParam : undefined;
  const select = (name: string, label: string, options: readonly (readonly [string, string])[], selected: string) =>
    h(
      'label',
      {},
      `${label} `,
      h(
        'select',
        { name },
        ...options.map(([value, text]) => h('option', { value, selected: value === selected }, text)),
      ),
    );
  const filters = h(
    'form',
    {
      class: 'toolbar',
      onchange: (e: Event) => {
        const f = new FormData(e.currentTarget as HTMLFormElement);
        location.hash = `#/alerts?${new URLSearchParams([...f.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : ''])).toString()}`;
      },
    },
    select(
      'device',
      'Device',
      devices.map((d) => [d.deviceId, `${d.deviceId} (${d.openAlerts} open)`] as const),
      device?.deviceId ?? '',
    ),
    select(
      'state',
      'State',
      [
        ['open', 'open'],
        ['acknowledged', 'acknowledged'],
        ['all', 'all'],
      ],
      stateParam,
    ),
    select(
      'severity',
      'Severity',
      [
        ['', 'any'],
        ['critical', 'critical'],
        ['warning', 'warning'],
        ['info', 'info'],
      ],
      severity ?? '',
    ),
  );
  const list = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const range = device ? alertRange(device) : undefined;
  fill(
    main,
    h('h1', {}, 'Alerts'),
    h(
      'section',
      { class: 'card' },
      filters,
      range ? h('p', { class: 'muted' }, `Newest first, ${formatTime(range.from)} – ${formatTime(range.to)}`) : null,
      list,
      more,
    ),
  );
  if (!device || !range) {
    fill(list, h('p', { class: 'empty' }, 'No device has reported yet.'));
    return;
  }
  const table = alertTable();
  const load = async (cursor?: string) => {
    const page = await api.alerts({ deviceId: device.deviceId, state, severity, limit: 100, cursor, ...range });
    if (!cursor) fill(list, page.items.length ? table.table : h('p', { class: 'empty' }, 'No alerts match.'));
    table.add(page.items);
    more.hidden = !page.nextCursor;
    more.onclick = page.nextCursor ? () => void load(page.nextCursor ?? undefined) : null;
  };
  await load();
}
