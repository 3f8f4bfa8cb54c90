/**
 * A failure that may pass on retry (warehouse or bus unavailable). Functions answer it with 5xx so that
 * Pub/Sub redelivers; every other failure is permanent and is recorded instead of retried.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}
