/** The runtime or the registry refuses a model: its card does not match its file, or its golden outputs do not reproduce. */
export class ModelRefusedError extends Error {
  override readonly name = 'ModelRefusedError';
  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`${subject} refused: ${problems.join('; ')}`);
  }
}

/** A model reference that names nothing: no such folder, no champion in the registry, no committed default. */
export class ModelNotFoundError extends Error {
  override readonly name = 'ModelNotFoundError';
}

/** A model asked for a task it was not trained for (a forecaster as an estimator, say). */
export class ModelTaskError extends Error {
  override readonly name = 'ModelTaskError';
}
