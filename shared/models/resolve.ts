import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../config/env.js';
import { openModelStore } from '../objects/open.js';
import { ChampionModel } from './champion.js';
import { ModelNotFoundError } from './errors.js';
import { CARD_FILE, MODEL_FILE, hasCard, parseCard } from './folder.js';
import { loadModel, type VerifiedModel } from './loader.js';
import { ModelRegistry } from './registry.js';

/** The folder holding package.json: committed models ship next to the code (functions bundle models/). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL_NAME = /^[a-z][a-z0-9-]{1,63}$/;

const registries = new Map<string, Promise<ModelRegistry>>();
const champions = new Map<string, ChampionModel>();

function registryKey(config: Config): string {
  return config.KILOWATCH_BACKEND === 'gcp'
    ? `gcs:${config.KILOWATCH_MODELS_BUCKET}:${config.STORAGE_API_ENDPOINT ?? ''}:${modelCacheDir(config)}`
    : `folder:${resolve(config.KILOWATCH_REGISTRY_DIR)}:${modelCacheDir(config)}`;
}

/** Where fetched versions are kept: KILOWATCH_MODEL_CACHE_DIR, else the data dir locally, the temp dir (the only writable place) in the cloud. */
export function modelCacheDir(config: Config): string {
  if (config.KILOWATCH_MODEL_CACHE_DIR) return resolve(config.KILOWATCH_MODEL_CACHE_DIR);
  return config.KILOWATCH_BACKEND === 'gcp' ? join(tmpdir(), 'kilowatch-models') : resolve(config.KILOWATCH_DATA_DIR, 'model-cache');
}

/** The registry the configuration names (a bucket, or the local folder), opened once per process. */
export function openRegistry(config: Config = loadConfig()): Promise<ModelRegistry> {
  const key = registryKey(config);
  let registry = registries.get(key);
  if (!registry) {
    registry = openModelStore(config).then((store) => new ModelRegistry({ store, cacheDir: modelCacheDir(config) }));
    registries.set(key, registry);
    registry.catch(() => registries.delete(key));
  }
  return registry;
}

/**
 * The committed default of a model name: <KILOWATCH_MODELS_DIR>/<name> holding card.json and model.onnx. A
 * relative KILOWATCH_MODELS_DIR is looked up in the working directory, then next to the code.
 */
export function committedModelDir(config: Config, name: string): string | undefined {
  const root = config.KILOWATCH_MODELS_DIR;
  const candidates = isAbsolute(root) ? [join(root, name)] : [resolve(root, name), resolve(PACKAGE_ROOT, root, name)];
  return candidates.find((dir) => existsSync(join(dir, CARD_FILE)) && existsSync(join(dir, MODEL_FILE)));
}

export interface CommittedModel {
  name: string;
  dir: string;
  version: string | null;
  metrics: unknown;
  /** Why the card cannot be read, when it cannot. */
  problem?: string;
}

/** Every committed default model (folders of KILOWATCH_MODELS_DIR holding card.json and model.onnx). */
export function committedModels(config: Config): CommittedModel[] {
  const root = config.KILOWATCH_MODELS_DIR;
  const roots = isAbsolute(root) ? [root] : [resolve(root), resolve(PACKAGE_ROOT, root)];
  const base = roots.find(isDirectory);
  if (!base) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(base, e.name, CARD_FILE)) && existsSync(join(base, e.name, MODEL_FILE)))
    .map((e) => {
      const dir = join(base, e.name);
      const parsed = parseCard(readFileSync(join(dir, CARD_FILE)));
      return 'card' in parsed
        ? { name: e.name, dir, version: parsed.card.version, metrics: parsed.card.metrics }
        : { name: e.name, dir, version: null, metrics: null, problem: parsed.problems.join('; ') };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * The shared champion holder of a name for this configuration: one per process, so every caller gets the same
 * cached session and the same refresh schedule.
 */
export async function championModel(name: string, config: Config = loadConfig()): Promise<ChampionModel> {
  const key = `${registryKey(config)}:${name}`;
  let holder = champions.get(key);
  if (!holder) {
    const registry = await openRegistry(config);
    holder = champions.get(key);
    if (!holder) {
      const fallbackDir = committedModelDir(config, name);
      holder = new ChampionModel(name, { registry, refreshSeconds: config.KILOWATCH_CHAMPION_REFRESH_S, ...(fallbackDir ? { fallbackDir } : {}) });
      champions.set(key, holder);
    }
  }
  return holder;
}

export interface ResolveOptions {
  config?: Config;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A model reference as commands take it (`--model <dir|name>`): a folder with card.json is loaded and verified;
 * otherwise a model name is the champion of the configured registry (local folder by default), or its committed
 * default models/<name> while the registry has none. Calling it per request is cheap and keeps a long-running
 * process on the current champion (see ChampionModel).
 */
export async function resolveModel(ref: string, options: ResolveOptions = {}): Promise<VerifiedModel> {
  if (await hasCard(ref)) return loadModel(ref);
  if (isDirectory(ref)) throw new ModelNotFoundError(`${resolve(ref)} is a folder without ${CARD_FILE}: a model folder holds ${MODEL_FILE} and ${CARD_FILE}`);
  const looksLikePath = /[/\\]/.test(ref) || ref.startsWith('.');
  if (looksLikePath || !MODEL_NAME.test(ref)) {
    throw new ModelNotFoundError(
      looksLikePath
        ? `no model folder at ${resolve(ref)}`
        : `'${ref}' is neither a model folder (with ${CARD_FILE}) nor a model name (lowercase letters, digits and dashes)`,
    );
  }
  const holder = await championModel(ref, options.config ?? loadConfig());
  return holder.get();
}
