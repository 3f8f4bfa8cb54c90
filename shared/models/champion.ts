import { log } from '../log/logger.js';
import { ModelNotFoundError, ModelRefusedError } from './errors.js';
import { loadModel, type LoadOptions, type VerifiedModel } from './loader.js';
import type { ModelRegistry } from './registry.js';

export interface ChampionModelOptions {
  registry: ModelRegistry;
  /** Seconds between two reads of the champion pointer (KILOWATCH_CHAMPION_REFRESH_S). */
  refreshSeconds: number;
  /** Committed default (models/<name>) served while the registry has no usable champion. */
  fallbackDir?: string;
  /** Milliseconds clock; tests move it. */
  now?: () => number;
  threads?: LoadOptions['threads'];
}

export type ChampionSource = 'registry' | 'committed';

export interface ChampionStatus {
  name: string;
  version: string | null;
  source: ChampionSource | null;
  loadedAt: string | null;
  checkedAt: string | null;
  /** The last failure to read the pointer or load a new champion; cleared by a successful check. */
  lastError: string | null;
  /** Champion versions that failed verification here and are not tried again until re-promoted. */
  rejected: string[];
}

interface Current {
  model: VerifiedModel;
  source: ChampionSource;
  loadedAt: number;
}

/**
 * Serves the champion of one model name. The first get() loads it (from the registry, else the committed
 * default); later calls re-read the champion pointer once `refreshSeconds` have passed (the call waits for that
 * small read, and for the download and verification when the champion changed). A new champion that cannot be
 * downloaded or fails verification is not served: the previous version keeps serving and a warning is logged.
 * Checks are lazy, not on a timer, because a serverless instance gets no CPU between requests.
 */
export class ChampionModel {
  private current: Current | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private lastError: string | null = null;
  private readonly rejected = new Map<string, string>();
  private readonly now: () => number;
  private readonly refreshMs: number;

  constructor(
    readonly name: string,
    private readonly options: ChampionModelOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshSeconds * 1000;
  }

  /** The model to serve now. Throws only when nothing can be served (no champion, no committed default). */
  async get(): Promise<VerifiedModel> {
    if (!this.current || this.now() - this.checkedAt >= this.refreshMs) await this.refresh();
    if (!this.current) throw new ModelNotFoundError(`no model to serve for ${this.name}`);
    return this.current.model;
  }

  /** Re-reads the champion pointer now (concurrent callers share one check). */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.check().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  status(): ChampionStatus {
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    return {
      name: this.name,
      version: this.current?.model.version ?? null,
      source: this.current?.source ?? null,
      loadedAt: this.current ? iso(this.current.loadedAt) : null,
      checkedAt: iso(this.checkedAt),
      lastError: this.lastError,
      rejected: [...this.rejected.keys()].map((k) => k.split('@')[0] as string),
    };
  }

  private async check(): Promise<void> {
    const startedAt = this.now();
    const { registry } = this.options;
    let pointer;
    try {
      pointer = await registry.champion(this.name);
    } catch (error) {
      this.checkedAt = startedAt;
      return this.keepOrFallBack(`cannot read the champion pointer of ${this.name} in ${registry.location}: ${(error as Error).message}`, error);
    }
    this.checkedAt = startedAt;
    if (!pointer) {
      if (this.current?.source === 'registry') {
        log.warn('champion pointer is gone; keeping the model being served', { model: this.name, version: this.current.model.version, registry: registry.location });
        return;
      }
      if (this.current) return;
      this.lastError = null;
      return this.loadFallback(`no champion for ${this.name} in ${registry.location}`);
    }
    if (this.current?.source === 'registry' && this.current.model.version === pointer.version) {
      this.lastError = null;
      return;
    }
    // A version that failed here stays refused until it is promoted again (a new promotedAt).
    const attempt = `${pointer.version}@${pointer.promotedAt}`;
    const refused = this.rejected.get(attempt);
    if (refused) return this.keepOrFallBack(refused, undefined, false);
    try {
      const dir = await registry.fetch(this.name, pointer.version);
      const model = await loadModel(dir, { expect: { name: this.name, version: pointer.version }, ...this.loadOptions() });
      if (pointer.sha256 && pointer.sha256 !== model.sha256) {
        throw new ModelRefusedError(`model ${this.name} ${pointer.version}`, [`sha256 ${model.sha256} is not the ${pointer.sha256} the champion pointer names`]);
      }
      const previous = this.current;
      this.current = { model, source: 'registry', loadedAt: this.now() };
      this.lastError = null;
      this.rejected.clear();
      if (previous) log.info('serving a new champion', { model: this.name, version: model.version, previous: previous.model.version, registry: registry.location });
    } catch (error) {
      const message = `champion ${pointer.version} of ${this.name} cannot be served: ${(error as Error).message}`;
      if (error instanceof ModelRefusedError) this.rejected.set(attempt, message);
      return this.keepOrFallBack(message, error);
    }
  }

  /** Keeps serving what is loaded (warning), else the committed default, else fails. */
  private async keepOrFallBack(message: string, error: unknown, warn = true): Promise<void> {
    this.lastError = message;
    if (this.current) {
      if (warn) log.warn(`${message}; keeping version ${this.current.model.version}`, { model: this.name, serving: this.current.model.version });
      return;
    }
    if (this.options.fallbackDir) {
      if (warn) log.warn(`${message}; serving the committed default`, { model: this.name, fallback: this.options.fallbackDir });
      return this.loadFallback(message);
    }
    throw error instanceof Error ? error : new ModelNotFoundError(message);
  }

  private async loadFallback(why: string): Promise<void> {
    const dir = this.options.fallbackDir;
    if (!dir) throw new ModelNotFoundError(`${why}, and no committed default models/${this.name} (card.json + model.onnx)`);
    const model = await loadModel(dir, { expect: { name: this.name }, ...this.loadOptions() });
    this.current = { model, source: 'committed', loadedAt: this.now() };
  }

  private loadOptions(): LoadOptions {
    return this.options.threads !== undefined ? { threads: this.options.threads } : {};
  }
}
