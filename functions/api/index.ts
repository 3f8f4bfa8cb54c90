import { http } from '@google-cloud/functions-framework';
import { getRequestListener } from '@hono/node-server';
import { createApiApp } from '../../shared/api/app.js';
import { apiRuntime } from '../../shared/runtime/api-runtime.js';

type Listener = ReturnType<typeof getRequestListener>;
let listener: Promise<Listener> | undefined;

/** HTTP function `api`: the query API, its OpenAPI document and reference page, and the dashboard. */
http('api', async (req, res) => {
  listener ??= apiRuntime()
    .then(({ deps, options }) => getRequestListener(createApiApp(deps, options).fetch))
    .catch((error: unknown) => {
      listener = undefined;
      throw error;
    });
  // The functions framework has read the body already; the listener takes it from req.rawBody.
  await (
    await listener
  )(req, res);
});
