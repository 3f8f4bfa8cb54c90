/**
 * The dashboard's client of the api function's /v1 routes. Response types come from the API's zod schemas
 * (type-only imports: nothing of zod reaches the bundle).
 */
import type * as T from './api-types.js';
import { activityRange, alertRange } from './ranges.js';

export type * from './api-types.js';

/** A failed call, with the problem document's detail when the API sent one (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `${path}${qs ? `?${qs}` : ''}`;
}

async function call<R>(path: string, query?: Query, init?: RequestInit): Promise<R> {
  const headers = new Headers(init?.headers);
  headers.set('accept', 'application/json');
  const res = await fetch(url(path, query), { ...init, headers });
  if (!res.ok) {
    const problem = (await res.json().catch(() => null)) as { title?: string; detail?: string } | null;
    throw new ApiError(res.status, problem?.detail ?? problem?.title ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as R;
}

export const api = {
  devices: (range: T.Range = activityRange()) => call<T.DevicesResponse>('/v1/devices', { ...range }),
  series: (q: T.SeriesRequest) => call<T.SeriesResponse>('/v1/series', { ...q }),
  /** The latest forecast with targets in the range, null when there is none. */
  forecast: (q: T.SeriesRequest) =>
    call<T.LatestForecastResponse>('/v1/forecasts/latest', {
      deviceId: q.deviceId,
      metric: q.metric,
      from: q.from,
      to: q.to,
    }).then((r) => r.forecast),
  alerts: (q: T.AlertQuery) => call<T.AlertsResponse>('/v1/alerts', { ...q }),
  acknowledge: (alertId: string, body: T.AckRequest) =>
    call<T.AlertView>(`/v1/alerts/${encodeURIComponent(alertId)}/ack`, undefined, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  incidents: (q: T.IncidentQuery = {}) => call<T.IncidentsResponse>('/v1/incidents', { ...q }),
  /** Sends the command to the notify function (202): the incident changes once it has applied it. */
  incidentCommand: (incidentId: string, command: T.IncidentCommand, by: string) =>
    call<T.IncidentCommandSent>(`/v1/incidents/${encodeURIComponent(incidentId)}/${command}`, undefined, {
      method: 'POST',
      body: JSON.stringify({ by }),
      headers: { 'content-type': 'application/json' },
    }),
  health: () => call<T.HealthResponse>('/v1/health/pipeline'),
  /** Open alerts of each device with some, newest first, at most `limit` in all. */
  async openAlerts(devices: readonly T.DeviceView[], limit: number): Promise<T.AlertView[]> {
    const pages = await Promise.all(
      devices
        .filter((d) => d.openAlerts > 0)
        .map((d) => api.alerts({ deviceId: d.deviceId, state: 'open', limit, ...alertRange(d) })),
    );
    return pages
      .flatMap((p) => p.items)
      .sort((a, b) => b.ts.localeCompare(a.ts))
      .slice(0, limit);
  },
  models: () => call<T.ModelsResponse>('/v1/models'),
};
