/** The page's state lives in the URL hash (#/<page>?k=v), so a view can be linked, reloaded and tested. */
export const PAGES = ['overview', 'incidents', 'alerts', 'pipeline', 'models'] as const;
export type Page = (typeof PAGES)[number];

export interface Route {
  readonly page: Page;
  readonly params: URLSearchParams;
}

export function currentRoute(): Route {
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const page = (PAGES as readonly string[]).includes(path) ? (path as Page) : 'overview';
  return { page, params: new URLSearchParams(query) };
}

export function href(page: Page, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const qs = q.toString();
  return `#/${page}${qs ? `?${qs}` : ''}`;
}

/** Updates the hash without re-rendering the page (the view already shows that state). */
export function replaceParams(params: Record<string, string | undefined>): void {
  const { page, params: current } = currentRoute();
  const merged = Object.fromEntries(current.entries()) as Record<string, string | undefined>;
  history.replaceState(null, '', href(page, { ...merged, ...params }));
}
