import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { isTransient } from '../errors/transient.js';
import { log } from '../log/logger.js';
import { acknowledgeAlert } from '../query/acknowledge.js';
import { listAlerts, listScores } from '../query/anomalies.js';
import type { QueryDeps } from '../query/deps.js';
import { listDevices } from '../query/devices.js';
import { DEFAULT_ESTIMATE_MODEL } from '../estimate/estimate.js';
import { estimateBatch } from '../query/estimate.js';
import { listIncidentViews, sendIncidentCommand } from '../query/incidents.js';
import { QueryError } from '../query/errors.js';
import { latestForecast } from '../query/forecast.js';
import { listModels } from '../query/models.js';
import { pipelineHealth } from '../query/pipeline.js';
import { getSeries } from '../query/series.js';
import { TABLES_READ } from '../warehouse/cached-reader.js';
import { PROBLEM_TYPES, problem, type ProblemStatus } from './problem.js';
import { copilotProxy } from './copilot-proxy.js';
import { clientKey, rateLimit, type RateLimit } from './rate-limit.js';
import { responseCache, type ResponseCacheOptions } from './response-cache.js';
import { referencePage } from './reference-page.js';
import { routes } from './routes.js';
import { staticFiles } from './static-files.js';

export interface ApiOptions {
  readonly rateLimit: RateLimit;
  /** Largest request body accepted (KILOWATCH_API_MAX_BODY_BYTES). */
  readonly maxBodyBytes: number;
  /** Trust the identity Identity-Aware Proxy puts in x-goog-authenticated-user-email (only behind IAP). */
  readonly trustIap?: boolean;
  /** Built dashboard (index.html and assets) served at /; a 503 names the build command while it is missing. */
  readonly dashboardDir?: string;
  /** The copilot function the dashboard's POST /copilot/v1/ask goes to; unset, that route answers 503 saying so. */
  readonly copilotUrl?: string;
  /** The Authorization header value sent to the copilot (an ID token for a private copilot in the cloud). */
  readonly copilotAuthorization?: () => Promise<string>;
  /** Keeps the serialized answers of the series and forecast routes until the tables they read change. */
  readonly responseCache?: ResponseCacheOptions;
}

export const API_VERSION = '1.0.0';

const STATUS_OF: Record<QueryError['kind'], ProblemStatus> = {
  invalid: 400,
  limit: 422,
  not_found: 404,
  unavailable: 503,
};

/** Validation failures as problem details naming each parameter; unknown parameters name what is accepted. */
function validationProblem(
  c: Context,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code: string; keys?: string[] }>,
  accepted: string[],
) {
  const errors = issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? (i.keys ?? []).map((k) => ({
          parameter: k,
          detail: `unknown parameter; accepted: ${accepted.join(', ') || 'none'}`,
        }))
      : [{ parameter: i.path.join('.') || '(body)', detail: i.message }],
  );
  return problem(c, 400, errors.map((e) => `${e.parameter}: ${e.detail}`).join('; '), errors);
}

function callerOf(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return clientKey(c.req.header('x-forwarded-for'), env?.incoming?.socket?.remoteAddress);
}

/** IAP's header reads "accounts.google.com:user@example.com". */
function iapIdentity(c: Context): string | undefined {
  return c.req.header('x-goog-authenticated-user-email')?.replace(/^accounts\.google\.com:/, '') || undefined;
}

/**
 * The api function's HTTP application: /v1 over the query use-cases, /openapi.json generated from the route
 * schemas, /docs (a reference page rendered from it, no external assets), /healthz and the dashboard at /.
 */
export function createApiApp(deps: QueryDeps, options: ApiOptions): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      const shape = (routeSchemas.get(`${c.req.method} ${routePath(c)}`) ?? {})[result.target] ?? [];
      return validationProblem(c, result.error.issues, shape);
    },
  });
  const routeSchemas = new Map<string, Record<string, string[]>>();
  for (const route of Object.values(routes)) {
    const query = route.request.query as { shape?: Record<string, unknown> } | undefined;
    const body = (
      route.request as { body?: { content: { 'application/json': { schema: { shape?: Record<string, unknown> } } } } }
    ).body;
    routeSchemas.set(`${route.method.toUpperCase()} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`, {
      query: Object.keys(query?.shape ?? {}),
      json: Object.keys(body?.content['application/json'].schema.shape ?? {}),
    });
  }

  // Behind IAP the last forwarded hop is the load balancer's, the same for everyone: key on the signed-in identity.
  app.use(
    '*',
    rateLimit(options.rateLimit, (c) => (options.trustIap ? iapIdentity(c) : undefined) ?? callerOf(c)),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => problem(c, 413, `request bodies may hold at most ${options.maxBodyBytes} bytes`),
    }),
  );
  app.onError((error, c) => {
    if (error instanceof QueryError) {
      return problem(
        c,
        STATUS_OF[error.kind],
        error.message,
        error.parameter ? [{ parameter: error.parameter, detail: error.message }] : undefined,
      );
    }
    // Hono's own 4xx, such as a body that is not JSON (the functions framework's parser refuses that earlier).
    if (error instanceof HTTPException && error.status in PROBLEM_TYPES && error.status < 500) {
      return problem(c, error.status as ProblemStatus, error.message, [{ parameter: '(body)', detail: error.message }]);
    }
    if (isTransient(error)) {
      log.warn('api: warehouse unavailable', { path: c.req.path, error: (error as Error).message });
      return problem(c, 503, 'the warehouse did not answer in time; retry', undefined, { 'retry-after': '5' });
    }
    log.error('api: request failed', { path: c.req.path, error: error.stack ?? error.message });
    return problem(c, 500, 'the request failed; the error is logged');
  });
  app.notFound((c) =>
    problem(c, 404, `no route ${c.req.method} ${c.req.path}; the routes are listed at /openapi.json and /docs`),
  );

  if (options.responseCache) {
    app.use(routes.series.path, responseCache(options.responseCache, TABLES_READ.series));
    app.use(routes.forecast.path, responseCache(options.responseCache, TABLES_READ.latestForecast));
  }
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.openapi(routes.devices, async (c) => c.json(await listDevices(deps, c.req.valid('query')), 200));
  app.openapi(routes.series, async (c) => c.json(await getSeries(deps, c.req.valid('query')), 200));
  app.openapi(routes.forecast, async (c) => c.json(await latestForecast(deps, c.req.valid('query')), 200));
  app.openapi(routes.scores, async (c) => c.json(await listScores(deps, c.req.valid('query')), 200));
  app.openapi(routes.alerts, async (c) => c.json(await listAlerts(deps, c.req.valid('query')), 200));
  app.openapi(routes.acknowledge, async (c) => {
    const body = c.req.valid('json');
    const by = (options.trustIap ? iapIdentity(c) : undefined) ?? body.by;
    return c.json(await acknowledgeAlert(deps, { alertId: c.req.valid('param').alertId, ...body, by }), 200);
  });
  app.openapi(routes.incidents, async (c) => {
    const { state, ...query } = c.req.valid('query');
    return c.json(await listIncidentViews(deps, { ...query, ...(state ? { states: state } : {}) }), 200);
  });
  for (const [command, route] of [
    ['acknowledge', routes.acknowledgeIncident],
    ['resolve', routes.resolveIncident],
  ] as const) {
    app.openapi(route, async (c) => {
      const by = (options.trustIap ? iapIdentity(c) : undefined) ?? c.req.valid('json').by;
      const sent = await sendIncidentCommand(deps, { command, incidentId: c.req.valid('param').incidentId, by });
      return c.json(sent, 202);
    });
  }
  app.openapi(routes.estimate, async (c) => {
    const body = c.req.valid('json');
    return c.json(await estimateBatch(deps, { model: body.model ?? DEFAULT_ESTIMATE_MODEL, rows: body.rows }), 200);
  });
  app.openapi(routes.models, async (c) => c.json(await listModels(deps, c.req.valid('query')), 200));
  app.openapi(routes.health, async (c) => c.json(await pipelineHealth(deps, c.req.valid('query')), 200));

  const documentConfig = {
    openapi: '3.1.0',
    info: {
      title: 'kilowatch API',
      version: API_VERSION,
      description:
        'Readings, forecasts, anomaly scores, alerts, incidents, models and pipeline health. Errors are application/problem+json (RFC 9457).',
    },
  };
  app.doc31('/openapi.json', documentConfig);
  let page: string | undefined;
  app.get('/docs', (c) =>
    c.html((page ??= referencePage(app.getOpenAPI31Document(documentConfig) as Parameters<typeof referencePage>[0]))),
  );
  app.post(
    '/copilot/v1/ask',
    copilotProxy(options.copilotUrl, options.trustIap ?? false, options.copilotAuthorization),
  );
  if (options.dashboardDir) app.get('*', staticFiles(options.dashboardDir));
  return app;
}
