import { api, type ModelView } from '../api.js';
import { fill, h } from '../dom.js';
import { formatCount, formatNumber, formatTime } from '../format.js';

/** Card metrics as the model cards write them: { primary, higherIsBetter, values }. */
interface CardMetrics {
  primary?: string;
  higherIsBetter?: boolean;
  values: Record<string, number>;
}

function cardMetrics(metrics: unknown): CardMetrics | null {
  if (typeof metrics !== 'object' || metrics === null) return null;
  const m = metrics as Record<string, unknown>;
  const values = typeof m.values === 'object' && m.values !== null ? m.values : m;
  const numeric = Object.fromEntries(
    Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number'),
  );
  return {
    primary: typeof m.primary === 'string' ? m.primary : undefined,
    higherIsBetter: typeof m.higherIsBetter === 'boolean' ? m.higherIsBetter : undefined,
    values: numeric,
  };
}

function modelCard(m: ModelView): HTMLElement {
  const champion = m.champion;
  const metrics = cardMetrics(champion?.metrics);
  const rows = m.activity.reduce((n, a) => n + a.rows, 0);
  return h(
    'section',
    { class: 'card model', 'data-model': m.name },
    h('h2', {}, m.name, champion?.task ? h('span', { class: 'pill' }, champion.task) : null),
    h(
      'p',
      { class: 'muted' },
      champion
        ? `champion ${champion.version} (${champion.source})${champion.algorithm ? ` · ${champion.algorithm}` : ''}`
        : 'no champion',
      h('br'),
      `registered versions: ${m.versions.map((v) => v.version).join(', ') || 'none'}`,
      h('br'),
      rows
        ? `${formatCount(rows)} rows written in the last 30 days, last ${formatTime(
            m.activity
              .map((a) => a.lastAt)
              .sort()
              .at(-1),
          )}`
        : 'no rows written in the last 30 days',
    ),
    metrics && Object.keys(metrics.values).length
      ? h(
          'table',
          { class: 'grid metrics' },
          h(
            'tbody',
            {},
            ...Object.entries(metrics.values).map(([k, v]) =>
              h(
                'tr',
                { class: k === metrics.primary ? 'primary' : undefined },
                h(
                  'th',
                  { scope: 'row' },
                  k,
                  k === metrics.primary
                    ? h(
                        'span',
                        { class: 'muted' },
                        metrics.higherIsBetter === false ? ' primary, lower is better' : ' primary, higher is better',
                      )
                    : null,
                ),
                h('td', { class: 'num' }, formatNumber(v)),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No card metrics.'),
  );
}

/** Models: each champion with its card metrics, the registered versions and what they wrote recently. */
export async function modelsPage(main: HTMLElement): Promise<void> {
  const { models } = await api.models();
  fill(main, h('h1', {}, 'Models'), h('div', { class: 'model-cards' }, ...models.map(modelCard)));
}
