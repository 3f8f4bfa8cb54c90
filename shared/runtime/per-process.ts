import { loadConfig, type Config } from '../config/env.js';

export interface PerProcess<T> {
  /** The dependencies, built on first use from the environment; a failed build is retried on the next call. */
  get: () => Promise<T>;
  /**
   * Lets the local host hand its own adapters (one DuckDB writer per process) to a function it hosts. A
   * promise is handed before the host serves anything: a request that arrives while the host is still
   * starting waits for it instead of building a second set (a second DuckDB handle on the same file).
   */
  provide: (value: T | Promise<T>) => void;
}

/** A function's dependencies, built once per process: a warm instance reuses them across requests. */
export function perProcess<T>(create: (config: Config) => Promise<T>): PerProcess<T> {
  let current: Promise<T> | undefined;
  return {
    get: () => {
      current ??= create(loadConfig()).catch((error: unknown) => {
        current = undefined;
        throw error;
      });
      return current;
    },
    provide: (value) => {
      current = Promise.resolve(value);
      // The host reports its own start-up failure; a request still waiting gets the rejection too.
      current.catch(() => undefined);
    },
  };
}
