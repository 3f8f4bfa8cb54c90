import { api, type IncidentCommand, type IncidentView } from '../api.js';
import { fill, h } from '../dom.js';
import { formatAgo, formatCount, formatNumber, formatTime } from '../format.js';
import { rememberWho, whoInput } from './operator.js';

/** How long the page waits for the notify function to apply a command before saying it is still on its way. */
const APPLY_WAIT_MS = 15_000;
const POLL_MS = 500;

const STATE_OF: Record<IncidentCommand, IncidentView['state']> = { acknowledge: 'acknowledged', resolve: 'resolved' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The incident once the notify function has applied a command to it (its state reached), or null after the wait. */
async function applied(incident: IncidentView, command: IncidentCommand): Promise<IncidentView | null> {
  const until = Date.now() + APPLY_WAIT_MS;
  while (Date.now() < until) {
    await sleep(POLL_MS);
    const { items } = await api.incidents({ deviceId: incident.deviceId, limit: 1000 });
    const now = items.find((i) => i.incidentId === incident.incidentId);
    if (now && now.version > incident.version && now.state === STATE_OF[command]) return now;
  }
  return null;
}

/** A storm names its devices; an episode its metric. */
function what(i: IncidentView): HTMLElement {
  const storm = i.kind === 'storm' || i.kind.startsWith('storm:');
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'strong' },
      i.deviceId,
      h('span', { class: 'muted' }, ` · ${[i.metric, i.kind].filter(Boolean).join(' · ')}`),
    ),
    storm ? h('div', { class: 'muted devices' }, `${i.devices.length} devices: ${i.devices.join(', ')}`) : null,
    h('div', { class: 'muted clamp', title: i.message }, i.message),
  );
}

/** Acknowledge / Resolve: each asks who, sends the command, then shows the new state once notify applied it. */
function actionsCell(incident: IncidentView, replace: (next: IncidentView) => void): HTMLElement {
  const cell = h('td', { class: 'ack' });
  const ask = (command: IncidentCommand) => {
    const who = whoInput(command === 'acknowledge' ? 'Acknowledged by' : 'Resolved by');
    const status = h('span', { class: 'muted', role: 'status' });
    const form = h(
      'form',
      {
        class: 'ack-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const by = rememberWho(who);
          fill(cell, status);
          status.textContent = `${command} sent; applying…`;
          api
            .incidentCommand(incident.incidentId, command, by)
            .then(() => applied(incident, command))
            .then(
              (next) => {
                if (next) replace(next);
                else status.textContent = `${command} sent; not applied yet: refresh in a moment`;
              },
              (err: unknown) => {
                fill(cell, form);
                status.textContent = '';
                error.textContent = (err as Error).message;
              },
            );
        },
      },
      who,
      h('button', { type: 'submit', class: 'primary' }, command === 'acknowledge' ? 'Acknowledge' : 'Resolve'),
      h('button', { type: 'button', onclick: () => fill(cell, ...buttons()) }, 'Cancel'),
    );
    const error = h('span', { class: 'error', role: 'alert' });
    form.append(error);
    fill(cell, form);
    who.focus();
  };
  const buttons = () => [
    incident.state === 'open'
      ? h('button', { type: 'button', class: 'ack-button', onclick: () => ask('acknowledge') }, 'Acknowledge')
      : null,
    h('button', { type: 'button', class: 'ack-button', onclick: () => ask('resolve') }, 'Resolve'),
  ];
  if (incident.state !== 'resolved') fill(cell, ...buttons());
  return cell;
}

function incidentRow(i: IncidentView): HTMLTableRowElement {
  const tr: HTMLTableRowElement = h(
    'tr',
    { 'data-incident-id': i.incidentId, class: i.state === 'open' ? undefined : 'is-acked' },
    h('td', {}, h('span', { class: `pill sev-${i.severity}` }, i.severity)),
    h('td', { class: 'state' }, h('span', { class: `pill state-${i.state}` }, i.state)),
    h('td', { class: 'message' }, what(i)),
    h('td', { class: 'nowrap' }, formatTime(i.openedAt)),
    h(
      'td',
      { class: 'nowrap changed' },
      h('div', {}, `${i.change} by ${i.changedBy}`),
      h('div', { class: 'muted', title: formatTime(i.changedAt) }, formatAgo(i.changedAt)),
    ),
    h('td', { class: 'num' }, formatCount(i.anomalies)),
    h('td', { class: 'num' }, formatNumber(i.peakScore)),
    actionsCell(i, (next) => tr.replaceWith(incidentRow(next))),
  );
  return tr;
}

const STATE_FILTERS = [
  ['', 'open, acknowledged and a week of changes'],
  ['open', 'open'],
  ['open,acknowledged', 'open or acknowledged'],
  ['resolved', 'resolved this week'],
] as const;

/**
 * What operators are paged about: incidents (one per episode, one per storm of a site), the same list as
 * `kilowatch alerts list`. Acknowledging or resolving goes to the notify function, which owns them.
 */
export async function incidentsPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const state = params.get('state') ?? '';
  const { items } = await api.incidents({ ...(state ? { state } : {}), limit: 1000 });
  const filters = h(
    'form',
    {
      class: 'toolbar',
      onchange: (e: Event) => {
        const value = new FormData(e.currentTarget as HTMLFormElement).get('state');
        location.hash = `#/incidents${typeof value === 'string' && value ? `?state=${encodeURIComponent(value)}` : ''}`;
      },
    },
    h(
      'label',
      {},
      'State ',
      h(
        'select',
        { name: 'state' },
        ...STATE_FILTERS.map(([value, text]) => h('option', { value, selected: value === state }, text)),
      ),
    ),
  );
  const headers = ['Severity', 'State', 'Incident', 'Opened', 'Last change', '#Anomalies', '#Peak score', 'Action'];
  const table = h(
    'table',
    { class: 'grid incidents-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...headers.map((t) => h('th', { class: t.startsWith('#') ? 'num' : undefined }, t.replace(/^#/, ''))),
      ),
    ),
    h('tbody', {}, ...items.map(incidentRow)),
  );
  fill(
    main,
    h('h1', {}, 'Incidents'),
    h(
      'section',
      { class: 'card' },
      filters,
      h(
        'p',
        { class: 'muted' },
        'What operators are paged about, newest change first. Acknowledging or resolving is applied by the notify function, which notifies the change.',
      ),
      h('div', { class: 'table-wrap' }, items.length ? table : h('p', { class: 'empty' }, 'No incidents match.')),
    ),
  );
}
