import { api, type AlertView } from '../api.js';
import { fill, h } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';

const OPERATOR_KEY = 'kilowatch.operator';

function severityPill(severity: AlertView['severity']): HTMLElement {
  return h('span', { class: `pill sev-${severity}` }, severity);
}

/** The acknowledgement cell: who and when once acknowledged, else a button that opens a small form. */
function ackCell(alert: AlertView, onAcked: (a: AlertView) => void): HTMLElement {
  const cell = h('td', { class: 'ack' });
  const ack = alert.acknowledgement;
  if (ack) {
    fill(cell, h('span', { class: 'acked', title: ack.note ?? '' }, `✓ ${ack.by}, ${formatTime(ack.at)}`), ack.note ? h('div', { class: 'muted note' }, ack.note) : null);
    return cell;
  }
  const open = () => {
    const who = h('input', { name: 'by', required: true, maxlength: 200, placeholder: 'your name', 'aria-label': 'Acknowledged by', value: localStorage.getItem(OPERATOR_KEY) ?? '' });
    const note = h('input', { name: 'note', maxlength: 2000, placeholder: 'note (optional)', 'aria-label': 'Note' });
    const error = h('span', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      {
        class: 'ack-form',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          localStorage.setItem(OPERATOR_KEY, who.value);
          try {
            onAcked(await api.acknowledge(alert.alertId, { by: who.value, ...(note.value ? { note: note.value } : {}) }));
          } catch (err) {
            error.textContent = (err as Error).message;
          }
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

/** A table of alerts whose rows acknowledge themselves in place; `add` appends a further page. */
export function alertTable(options: { compact?: boolean } = {}): { table: HTMLTableElement; add(alerts: readonly AlertView[]): void } {
  const body = h('tbody');
  const row = (a: AlertView): HTMLTableRowElement => {
    const tr: HTMLTableRowElement = h(
      'tr',
      { 'data-alert-id': a.alertId, class: a.acknowledgement ? 'is-acked' : undefined },
      h('td', {}, severityPill(a.severity)),
      h('td', { class: 'nowrap' }, formatTime(a.ts)),
      h('td', {}, h('div', { class: 'strong' }, a.deviceId), h('div', { class: 'muted' }, [a.metric, a.kind].filter(Boolean).join(' · '))),
      options.compact ? null : h('td', { class: 'num' }, formatNumber(a.score)),
      h('td', { class: 'message' }, a.message),
      ackCell(a, (acked) => tr.replaceWith(row(acked))),
    );
    return tr;
  };
  const table = h(
    'table',
    { class: 'grid alerts-table' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'Severity'), h('th', {}, 'Time'), h('th', {}, 'Device'), options.compact ? null : h('th', { class: 'num' }, 'Score'), h('th', {}, 'Message'), h('th', {}, 'Acknowledgement')),
    ),
    body,
  );
  return { table, add: (alerts) => body.append(...alerts.map(row)) };
}

/** The alerts page: filters, newest first, pages of 100 through the API's cursor. */
export async function alertsPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const state = params.get('state') === 'all' ? undefined : ((params.get('state') as 'open' | 'acknowledged' | null) ?? 'open');
  const severity = (params.get('severity') as AlertView['severity'] | null) ?? undefined;
  const filters = h(
    'form',
    { class: 'toolbar', onchange: (e: Event) => {
      const f = new FormData(e.currentTarget as HTMLFormElement);
      location.hash = `#/alerts?${new URLSearchParams(f as unknown as Record<string, string>).toString()}`;
    } },
    h('label', {}, 'State ', h('select', { name: 'state' }, ...['open', 'acknowledged', 'all'].map((s) => h('option', { value: s, selected: s === (state ?? 'all') }, s)))),
    h('label', {}, 'Severity ', h('select', { name: 'severity' }, h('option', { value: '' }, 'any'), ...['critical', 'warning', 'info'].map((s) => h('option', { value: s, selected: s === severity }, s)))),
  );
  const list = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  fill(main, h('h1', {}, 'Alerts'), h('section', { class: 'card' }, filters, list, more));
  const table = alertTable();
  const load = async (cursor?: string) => {
    const page = await api.alerts({ state, severity: severity || undefined, limit: 100, cursor });
    if (!cursor) fill(list, page.items.length ? table.table : h('p', { class: 'empty' }, 'No alerts match.'));
    table.add(page.items);
    more.hidden = !page.nextCursor;
    more.onclick = page.nextCursor ? () => void load(page.nextCursor ?? undefined) : null;
  };
  await load();
}
