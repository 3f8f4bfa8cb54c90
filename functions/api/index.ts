import { http } from '@google-cloud/functions-framework';
import { getRequestListener } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApiApp } from '../../shared/api/app.js';
import { apiRuntime } from '../../shared/runtime/api-runtime.js';

let app: Promise<OpenAPIHono> | undefined;

/** The api's application in this process, built on first use; the local host serves it without the framework. */
export function apiApp(): Promise<OpenAPIHono> {
  app ??= apiRuntime()
    .then(({ deps, options }) => createApiApp(deps, options))
    .catch((error: unknown) => {
      app = undefined;
      throw error;
    });
  return app;
}

const listener = getRequestListener(async (request, env) => (await apiApp()).fetch(request, env));

/** HTTP function `api`: the query API, its OpenAPI document and reference page, and the dashboard. */
// The functions framework has read the body already; the listener takes it from req.rawBody.
http('api', (req, res) => listener(req, res));
