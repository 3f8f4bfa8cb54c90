import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';

/** RFC 9457 problem details; `errors` names each parameter at fault and what it accepts. */
export const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:kilowatch:problem:invalid-parameter' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ parameter: z.string(), detail: z.string() })).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_TYPES = {
  400: ['invalid-parameter', 'Invalid request'],
  401: ['unauthenticated', 'Not authenticated'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  413: ['too-large', 'Request too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['over-limit', 'Request exceeds a limit'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal error'],
  503: ['unavailable', 'Service unavailable'],
} as const satisfies Record<number, readonly [string, string]>;

export type ProblemStatus = keyof typeof PROBLEM_TYPES;

export function problem(
  c: Context,
  status: ProblemStatus,
  detail: string,
  errors?: Problem['errors'],
  headers: Record<string, string> = {},
): Response {
  const [type, title] = PROBLEM_TYPES[status];
  const body: Problem = {
    type: `urn:kilowatch:problem:${type}`,
    title,
    status,
    detail,
    instance: c.req.path,
    ...(errors ? { errors } : {}),
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    ...headers,
  });
}

/** The error responses every route documents. */
export function problemResponses(...statuses: ProblemStatus[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: PROBLEM_TYPES[s][1], content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );
}
