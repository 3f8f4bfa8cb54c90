/**
 * Failures a query use-case reports to its caller (the API answers them as problem+json, the CLI and the
 * copilot print them). Each names the parameter and what would be accepted.
 */
export class QueryError extends Error {
  constructor(
    readonly kind: 'invalid' | 'limit' | 'not_found' | 'unavailable',
    /** The parameter (or body field) at fault, when one is. */
    readonly parameter: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export function invalid(parameter: string, message: string): QueryError {
  return new QueryError('invalid', parameter, message);
}

/** A request that is well-formed but asks for more than a limit allows (HTTP 422). */
export function overLimit(parameter: string, message: string): QueryError {
  return new QueryError('limit', parameter, message);
}

export function notFound(parameter: string, message: string): QueryError {
  return new QueryError('not_found', parameter, message);
}
