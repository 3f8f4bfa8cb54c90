import './styles.css';
import { mountCopilot } from './copilot/panel.js';
import { byId, fill, h } from './dom.js';
import { currentRoute, type Page } from './route.js';
import { alertsPage } from './views/alerts.js';
import { incidentsPage } from './views/incidents.js';
import { modelsPage } from './views/models.js';
import { overviewPage } from './views/overview.js';
import { pipelinePage } from './views/pipeline.js';

const PAGES: Record<Page, (main: HTMLElement, params: URLSearchParams) => Promise<void>> = {
  overview: overviewPage,
  incidents: incidentsPage,
  alerts: alertsPage,
  pipeline: pipelinePage,
  models: modelsPage,
};

let rendering = 0;

/** Renders the page the hash names; `document.body.dataset.ready` tells tests and benchmarks when it is drawn. */
async function render(): Promise<void> {
  const run = ++rendering;
  const { page, params } = currentRoute();
  const main = byId('main');
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-page]')) {
    link.classList.toggle('active', link.dataset.page === page);
  }
  delete document.body.dataset.ready;
  main.setAttribute('aria-busy', 'true');
  try {
    await PAGES[page](main, params);
  } catch (err) {
    if (run !== rendering) return;
    fill(
      main,
      h(
        'div',
        { class: 'card error', role: 'alert' },
        h('h2', {}, 'The API did not answer as expected'),
        h('p', {}, (err as Error).message),
      ),
    );
  } finally {
    if (run === rendering) {
      main.removeAttribute('aria-busy');
      document.body.dataset.ready = page;
      byId('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
      performance.mark('dashboard-ready', { detail: page });
    }
  }
}

window.addEventListener('hashchange', () => void render());
byId('refresh').addEventListener('click', () => void render());
mountCopilot(byId('copilot'));
void render();
