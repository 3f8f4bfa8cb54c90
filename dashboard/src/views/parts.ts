import { h, type Child } from '../dom.js';

/** A titled card; `label` names it for assistive technology. */
export function card(label: string, title: Child | readonly Child[], ...content: Child[]): HTMLElement {
  const heading: readonly Child[] = Array.isArray(title) ? (title as readonly Child[]) : [title as Child];
  return h('section', { class: 'card', 'aria-label': label }, h('h2', {}, ...heading), ...content);
}

/** A table whose headers starting with '#' hold numbers (right-aligned, the '#' dropped); rows as cell lists. */
export function gridTable(headers: readonly string[], rows: readonly (readonly Child[])[]): HTMLTableElement {
  const numeric = headers.map((t) => t.startsWith('#'));
  const cell = (tag: 'th' | 'td', i: number, content: Child) =>
    h(tag, { class: numeric[i] ? 'num' : undefined }, content);
  return h(
    'table',
    { class: 'grid' },
    headers.length ? h('thead', {}, h('tr', {}, ...headers.map((t, i) => cell('th', i, t.replace(/^#/, ''))))) : null,
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => cell('td', i, c))))),
  );
}
