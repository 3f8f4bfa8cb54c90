import type { Context } from 'hono';
import { log } from '../log/logger.js';
import { problem } from './problem.js';

/** Response headers of the copilot that the dashboard needs: the body's type, no caching, when to retry. */
const PASSED_BACK = ['content-type', 'cache-control', 'retry-after'];

/**
 * POST /copilot/v1/ask, forwarded as is to the copilot function: the dashboard asks its own origin, so the
 * copilot needs no CORS and stays reachable only where it was before. JSON or server-sent events stream through;
 * IAP's identity goes along only where the api trusts it (the copilot limits each caller by it). A private
 * copilot (Cloud Run) gets the api's own ID token from `authorization`.
 */
export function copilotProxy(copilotUrl: string | undefined, trustIap: boolean, authorization?: () => Promise<string>) {
  return async (c: Context): Promise<Response> => {
    if (!copilotUrl)
      return problem(
        c,
        503,
        'the copilot is not connected: set KILOWATCH_COPILOT_URL to the copilot function (npm start does)',
      );
    const headers = new Headers({
      'content-type': 'application/json',
      accept: c.req.header('accept') ?? 'application/json',
    });
    const identity = c.req.header('x-goog-authenticated-user-email');
    if (trustIap && identity) headers.set('x-goog-authenticated-user-email', identity);
    try {
      if (authorization) headers.set('authorization', await authorization());
    } catch (error) {
      log.error('api: no ID token for the copilot', { copilotUrl, error: (error as Error).message });
      return problem(c, 503, `the api could not get an ID token to call the copilot: ${(error as Error).message}`);
    }
    let upstream: Response;
    try {
      upstream = await fetch(`${copilotUrl.replace(/\/$/, '')}/v1/ask`, {
        method: 'POST',
        headers,
        body: await c.req.text(),
      });
    } catch (error) {
      log.warn('api: copilot unreachable', { copilotUrl, error: (error as Error).message });
      return problem(c, 503, `the copilot at ${copilotUrl} did not answer; is it running?`, undefined, {
        'retry-after': '5',
      });
    }
    const back = new Headers();
    for (const name of PASSED_BACK) {
      const value = upstream.headers.get(name);
      if (value) back.set(name, value);
    }
    return new Response(upstream.body, { status: upstream.status, headers: back });
  };
}
