import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IF_ABSENT, isPreconditionFailed, type ObjectStore, type StoredObject } from '../objects/port.js';
import { holdoutSpec, type ModelCard } from './card.js';
import { ModelNotFoundError, ModelRefusedError } from './errors.js';
import { CARD_FILE, MODEL_FILE, parseCard, readModelFolder, sha256Hex } from './folder.js';
import { verifyModel } from './loader.js';
import { decidePromotion, type MetricComparison } from './promotion.js';

/**
 * The model registry over the objects port. Layout (the same in a bucket and in a local folder):
 *
 *   models/<name>/versions/<version>/model.onnx
 *   models/<name>/versions/<version>/card.json     written last: a version exists once its card does
 *   models/<name>/champion.json                     { version, promotedAt, metrics, reason, ... }
 *
 * Versions are immutable; champion.json is replaced with a generation precondition, so two pushes racing for
 * the champion cannot both win on stale information.
 */

export const MODELS_PREFIX = 'models';

export const championPointer = z.object({
  version: z.string().min(1),
  promotedAt: z.string(),
  /** The champion's holdout metrics, copied from its card at promotion. */
  metrics: z.object({
    primary: z.string(),
    higherIsBetter: z.boolean().default(false),
    values: z.record(z.string(), z.number()),
    holdout: holdoutSpec.optional(),
  }),
  reason: z.string(),
  sha256: z.string().optional(),
  /** The champion before this one (for a rollback: push that version again with --force). */
  previous: z.string().nullable().optional(),
});
export type ChampionPointer = z.infer<typeof championPointer>;

export interface PushOptions {
  /** Promote even if the metrics do not beat the champion's (never overwrites a version). */
  force?: boolean;
}

export interface PushOutcome {
  name: string;
  version: string;
  sha256: string;
  /** Where the version lives: gs://bucket/models/<name>/versions/<version> or a folder. */
  location: string;
  /** False when the registry already held this version with the same bytes. */
  uploaded: boolean;
  promoted: boolean;
  reason: string;
  comparison?: MetricComparison;
  /** Champion version after the push, and before it. */
  champion: string | null;
  previousChampion: string | null;
  goldenPairs: number;
  maxAbsError: number | null;
}

export interface PromoteOutcome {
  promoted: boolean;
  reason: string;
  comparison?: MetricComparison;
  champion: string | null;
  previousChampion: string | null;
}

export interface VersionSummary {
  version: string;
  sha256: string;
  task: ModelCard['task'];
  algorithm: string;
  createdAt: string;
  metrics: ModelCard['metrics'];
  champion: boolean;
}

/** What drift watch last found about a model (models/<name>/health.json). */
export const modelHealthMark = z.strictObject({
  version: z.string(),
  asOf: z.string(),
  retrainRecommended: z.boolean(),
  reasons: z.array(z.string()),
});
export type ModelHealthMark = z.infer<typeof modelHealthMark>;

export interface ModelSummary {
  name: string;
  champion: ChampionPointer | null;
  versions: VersionSummary[];
  /** Drift watch's last finding; `retrainRecommended` marks the model for retraining. */
  health?: ModelHealthMark;
}

export interface RegistryOptions {
  store: ObjectStore;
  /** Local folder where fetch() puts downloaded versions (<cacheDir>/<name>/<version>). */
  cacheDir: string;
  now?: () => Date;
}

const NAME = /^[a-z][a-z0-9-]{1,63}$/;
const VERSION = /^[A-Za-z0-9._-]{1,64}$/;
/** Conditional champion writes lost to another writer before giving up. */
const PROMOTE_ATTEMPTS = 5;

function assertName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid model name ${JSON.stringify(name)}: lowercase letters, digits and dashes, starting with a letter`);
}

function assertVersion(version: string): void {
  if (!VERSION.test(version) || version === '.' || version === '..') {
    throw new Error(`invalid model version ${JSON.stringify(version)}: letters, digits, '.', '_' and '-', not '.' or '..'`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export class ModelRegistry {
  readonly store: ObjectStore;
  readonly cacheDir: string;
  private readonly now: () => Date;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.cacheDir = options.cacheDir;
    this.now = options.now ?? (() => new Date());
  }

  /** gs://bucket/models or /path/to/registry/models. */
  get location(): string {
    return `${this.store.location}/${MODELS_PREFIX}`;
  }

  versionKey(name: string, version: string, file: string): string {
    assertName(name);
    assertVersion(version);
    return `${MODELS_PREFIX}/${name}/versions/${version}/${file}`;
  }

  healthKey(name: string): string {
    assertName(name);
    return `${MODELS_PREFIX}/${name}/health.json`;
  }

  /** Records drift watch's finding next to the model's versions (a committed default model gets one too). */
  async markHealth(name: string, mark: ModelHealthMark): Promise<void> {
    await this.store.put(this.healthKey(name), Buffer.from(JSON.stringify(modelHealthMark.parse(mark))));
  }

  async health(name: string): Promise<ModelHealthMark | undefined> {
    const stored = await this.store.get(this.healthKey(name));
    if (!stored) return undefined;
    const parsed = modelHealthMark.safeParse(JSON.parse(Buffer.from(stored.bytes).toString('utf8')));
    if (!parsed.success) throw new Error(`${this.healthKey(name)} in ${this.store.location} is damaged`);
    return parsed.data;
  }

  championKey(name: string): string {
    assertName(name);
    return `${MODELS_PREFIX}/${name}/champion.json`;
  }

  /**
   * Verifies the folder (card schema, sha256, golden outputs in onnxruntime; nothing is uploaded if any fails),
   * uploads the version unless the registry already holds it with the same bytes (a different model under an
   * existing version is refused), then promotes it if its primary holdout metric beats the champion's, or if forced.
   */
  async push(dir: string, options: PushOptions = {}): Promise<PushOutcome> {
    const { report, model } = await verifyModel(dir);
    if (!model) {
      const who = report.name ? `model ${report.name} ${report.version} (${report.dir}, nothing uploaded)` : `model folder ${report.dir} (nothing uploaded)`;
      throw new ModelRefusedError(who, report.problems);
    }
    const { card } = model;
    const primaryValue = card.metrics.values[card.metrics.primary];
    if (primaryValue === undefined || !Number.isFinite(primaryValue)) {
      throw new ModelRefusedError(`model ${card.name} ${card.version} (nothing uploaded)`, [
        `${CARD_FILE} metrics.values has no finite '${card.metrics.primary}', the primary metric promotion compares`,
      ]);
    }
    assertVersion(card.version);
    const read = await readModelFolder(dir);
    if ('problems' in read) throw new ModelRefusedError(`model folder ${report.dir} (nothing uploaded)`, read.problems);
    // The bytes uploaded are the bytes just verified (the folder read again must be the same model).
    if (read.folder.sha256 !== model.sha256) throw new Error(`${report.dir}/${MODEL_FILE} changed while being pushed; push again`);
    const uploaded = await this.uploadVersion(card, read.folder.onnx, read.folder.cardBytes);
    const promotion = await this.promote(card.name, card.version, options);
    return {
      name: card.name,
      version: card.version,
      sha256: model.sha256,
      location: `${this.store.location}/${MODELS_PREFIX}/${card.name}/versions/${card.version}`,
      uploaded,
      ...promotion,
      goldenPairs: report.goldenPairs,
      maxAbsError: report.maxAbsError,
    };
  }

  /** Makes an uploaded version champion under the promotion rule (or regardless, with force). */
  async promote(name: string, version: string, options: PushOptions = {}): Promise<PromoteOutcome> {
    const card = await this.card(name, version);
    if (!card) throw new ModelNotFoundError(`no version ${version} of model ${name} in ${this.location}`);
    const key = this.championKey(name);
    for (let attempt = 0; attempt < PROMOTE_ATTEMPTS; attempt++) {
      const current = await this.store.get(key);
      const pointer = current ? this.parsePointer(current) : undefined;
      if (current && !pointer && !options.force) {
        return {
          promoted: false,
          reason: `${key} in ${this.store.location} is damaged; push with --force to replace it`,
          champion: null,
          previousChampion: null,
        };
      }
      const decision = decidePromotion({ version, metrics: card.metrics }, pointer, options.force);
      const before = pointer?.version ?? null;
      if (!decision.promote) return { promoted: false, reason: decision.reason, ...(decision.comparison ? { comparison: decision.comparison } : {}), champion: before, previousChampion: before };
      const next: ChampionPointer = {
        version,
        promotedAt: this.now().toISOString(),
        metrics: card.metrics,
        reason: decision.reason,
        sha256: card.sha256,
        previous: before,
      };
      try {
        await this.store.put(key, Buffer.from(`${JSON.stringify(next, null, 2)}\n`), {
          ifGenerationMatch: current ? current.info.generation : IF_ABSENT,
          contentType: 'application/json',
        });
      } catch (error) {
        // Someone else changed the champion since it was read: decide again on what is there now.
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
      return { promoted: true, reason: decision.reason, ...(decision.comparison ? { comparison: decision.comparison } : {}), champion: version, previousChampion: before };
    }
    throw new Error(`the champion of ${name} kept changing under this push (${PROMOTE_ATTEMPTS} attempts); push again`);
  }

  /** The champion pointer of a model, or undefined when it has none. */
  async champion(name: string): Promise<ChampionPointer | undefined> {
    const current = await this.store.get(this.championKey(name));
    if (!current) return undefined;
    const pointer = this.parsePointer(current);
    if (!pointer) throw new Error(`${this.championKey(name)} in ${this.store.location} is damaged (not a champion pointer)`);
    return pointer;
  }

  /** The card of a version, or undefined when the registry has no such version. */
  async card(name: string, version: string): Promise<ModelCard | undefined> {
    const key = this.versionKey(name, version, CARD_FILE);
    const stored = await this.store.get(key);
    if (!stored) return undefined;
    const parsed = parseCard(stored.bytes);
    if ('problems' in parsed) throw new Error(`${key} in ${this.store.location} is damaged: ${parsed.problems.join('; ')}`);
    return parsed.card;
  }

  /** Every model (or one), its versions with their holdout metrics, and which version is champion. */
  async list(name?: string): Promise<ModelSummary[]> {
    if (name !== undefined) assertName(name);
    const objects = await this.store.list(name ? `${MODELS_PREFIX}/${name}/` : `${MODELS_PREFIX}/`);
    const models = new Map<string, { champion: boolean; versions: string[] }>();
    const entry = (n: string) => {
      let m = models.get(n);
      if (!m) models.set(n, (m = { champion: false, versions: [] }));
      return m;
    };
    for (const { key } of objects) {
      const version = /^models\/([^/]+)\/versions\/([^/]+)\/card\.json$/.exec(key);
      if (version) entry(version[1]!).versions.push(version[2]!);
      const champion = /^models\/([^/]+)\/champion\.json$/.exec(key);
      if (champion) entry(champion[1]!).champion = true;
      const health = /^models\/([^/]+)\/health\.json$/.exec(key);
      if (health) entry(health[1]!);
    }
    const out: ModelSummary[] = [];
    for (const [modelName, found] of [...models.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const champion = found.champion ? ((await this.champion(modelName)) ?? null) : null;
      const cards = await Promise.all(found.versions.map((v) => this.card(modelName, v)));
      const versions = cards
        .filter((c): c is ModelCard => c !== undefined)
        .map((c) => ({
          version: c.version,
          sha256: c.sha256,
          task: c.task,
          algorithm: c.algorithm,
          createdAt: c.createdAt,
          metrics: c.metrics,
          champion: champion?.version === c.version,
        }))
        .sort((a, b) => (a.createdAt === b.createdAt ? (a.version < b.version ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
      const health = await this.health(modelName);
      out.push({ name: modelName, champion, versions, ...(health ? { health } : {}) });
    }
    return out;
  }

  /**
   * Downloads a version into <cacheDir>/<name>/<version> (reused when already there with the card's sha256) and
   * returns the folder; loadModel() then verifies it.
   */
  async fetch(name: string, version: string): Promise<string> {
    const target = join(this.cacheDir, name, version);
    const cached = await readModelFolder(target);
    if ('folder' in cached && cached.folder.sha256 === cached.folder.card.sha256 && cached.folder.card.version === version) return target;

    const [cardObject, modelObject] = await Promise.all([
      this.store.get(this.versionKey(name, version, CARD_FILE)),
      this.store.get(this.versionKey(name, version, MODEL_FILE)),
    ]);
    if (!cardObject || !modelObject) throw new ModelNotFoundError(`no version ${version} of model ${name} in ${this.location}`);
    const temp = join(this.cacheDir, name, `.tmp-${version}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(temp, { recursive: true });
    try {
      await writeFile(join(temp, MODEL_FILE), modelObject.bytes);
      await writeFile(join(temp, CARD_FILE), cardObject.bytes);
      try {
        await rename(temp, target);
      } catch {
        // Another process filled the cache first: keep its copy if it is whole, else replace it.
        const again = await readModelFolder(target);
        if ('folder' in again && again.folder.sha256 === again.folder.card.sha256 && again.folder.card.version === version) return target;
        await rm(target, { recursive: true, force: true });
        await rename(temp, target);
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    return target;
  }

  /** Uploads model.onnx, then card.json, each only if absent; true if anything was written. */
  private async uploadVersion(card: ModelCard, onnx: Uint8Array, cardBytes: Uint8Array): Promise<boolean> {
    const modelKey = this.versionKey(card.name, card.version, MODEL_FILE);
    const cardKey = this.versionKey(card.name, card.version, CARD_FILE);
    const where = `${card.name} ${card.version} in ${this.location}`;
    const refuse = (why: string) =>
      new ModelRefusedError(`model ${card.name} ${card.version} (nothing uploaded)`, [`version ${where} already exists ${why}; versions are immutable: give this model a new version`]);

    const checkExisting = (existing: StoredObject, what: 'model' | 'card') => {
      if (what === 'model') {
        const sha = sha256Hex(existing.bytes);
        if (sha !== card.sha256) throw refuse(`with a different ${MODEL_FILE} (sha256 ${sha}, this one ${card.sha256})`);
      } else if (!sameBytes(existing.bytes, cardBytes)) {
        const parsed = parseCard(existing.bytes);
        const sha = 'card' in parsed ? parsed.card.sha256 : 'unreadable';
        throw refuse(sha === card.sha256 ? `with the same ${MODEL_FILE} but a different ${CARD_FILE}` : `with a different model (card sha256 ${sha}, this one ${card.sha256})`);
      }
    };

    let wrote = false;
    for (const [key, bytes, what, contentType] of [
      [modelKey, onnx, 'model', 'application/octet-stream'],
      [cardKey, cardBytes, 'card', 'application/json'],
    ] as const) {
      const existing = await this.store.get(key);
      if (existing) {
        checkExisting(existing, what);
        continue;
      }
      try {
        await this.store.put(key, bytes, { ifGenerationMatch: IF_ABSENT, contentType });
        wrote = true;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        // Written meanwhile (a racing push, or our own write retried after a lost answer): same bytes are fine.
        const now = await this.store.get(key);
        if (!now) throw error;
        checkExisting(now, what);
      }
    }
    return wrote;
  }

  private parsePointer(stored: StoredObject): ChampionPointer | undefined {
    try {
      const parsed = championPointer.safeParse(JSON.parse(Buffer.from(stored.bytes).toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
