import { api } from '../api.js';
import { fill, h } from '../dom.js';
import { formatNumber } from '../format.js';

/** Models: each champion with its card metrics and the versions the registry holds. */
export async function modelsPage(main: HTMLElement): Promise<void> {
  const { models } = await api.models();
  fill(
    main,
    h('h1', {}, 'Models'),
    h(
      'div',
      { class: 'model-cards' },
      ...models.map((m) =>
        h(
          'section',
          { class: 'card model', 'data-model': m.name },
          h('h2', {}, m.name, h('span', { class: 'pill' }, m.kind)),
          h('p', { class: 'muted' }, `champion ${m.champion ?? 'none'} · versions ${m.versions.join(', ') || '—'}`),
          h(
            'table',
            { class: 'grid metrics' },
            h('tbody', {}, ...Object.entries(m.metrics).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, formatNumber(v))))),
          ),
        ),
      ),
    ),
  );
}
