import type { ModelActivity } from '../warehouse/read-port.js';
import type { QueryDeps } from './deps.js';
import { DAY_MS, resolveRange, type RangeInput } from './time-range.js';

export const MODELS_RANGE = { defaultMs: 30 * DAY_MS, maxMs: 400 * DAY_MS };

export interface ModelVersionView {
  readonly version: string;
  readonly task: string | null;
  readonly algorithm: string | null;
  readonly createdAt: string | null;
  readonly metrics: unknown;
}

export interface ModelView {
  readonly name: string;
  /** The serving version: the registry's champion, else the committed default; null when neither exists. */
  readonly champion: (ModelVersionView & { source: 'registry' | 'committed' }) | null;
  readonly versions: ModelVersionView[];
  /** Rows each version wrote to the warehouse over the range. */
  readonly activity: ModelActivity[];
}

/** Every model: its champion with card metrics, its registered versions, and what its versions wrote recently. */
export async function listModels(
  deps: QueryDeps,
  input: RangeInput,
): Promise<{ from: string; to: string; models: ModelView[] }> {
  const range = resolveRange(input, MODELS_RANGE, deps.now());
  const [registered, activity] = await Promise.all([deps.models.registered(), deps.reader.modelActivity(range)]);
  const committed = new Map(deps.models.committed().map((c) => [c.name, c]));
  const names = [...new Set([...registered.map((m) => m.name), ...committed.keys()])].sort();
  const models = names.map((name): ModelView => {
    const summary = registered.find((m) => m.name === name);
    const versions = (summary?.versions ?? []).map((v) => ({
      version: v.version,
      task: v.task,
      algorithm: v.algorithm,
      createdAt: v.createdAt,
      metrics: v.metrics,
    }));
    const champ = summary?.champion ? versions.find((v) => v.version === summary.champion?.version) : undefined;
    const fallback = committed.get(name);
    const champion = champ
      ? { ...champ, source: 'registry' as const }
      : fallback?.version
        ? {
            version: fallback.version,
            task: null,
            algorithm: null,
            createdAt: null,
            metrics: fallback.metrics,
            source: 'committed' as const,
          }
        : null;
    return { name, champion, versions, activity: activity.filter((a) => a.model === name) };
  });
  return { ...range, models };
}
