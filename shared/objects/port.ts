/**
 * The objects port: bytes under string keys ("models/steel/versions/3/model.onnx"), as Cloud Storage holds
 * them. Keys are '/'-separated; a prefix is a plain string prefix of the key, as in Cloud Storage.
 * Adapters: a folder on disk (local-folder.ts, the default) and Cloud Storage (gcs.ts).
 */

export interface ObjectInfo {
  key: string;
  size: number;
  /**
   * Opaque token that changes whenever the object is written (Cloud Storage's generation). Pass it back as
   * `ifGenerationMatch` to write only if nobody wrote in between.
   */
  generation: string;
  /** Last write, ISO 8601. */
  updated: string;
}

export interface StoredObject {
  bytes: Uint8Array;
  info: ObjectInfo;
}

/** `ifGenerationMatch` value meaning "only if the object does not exist yet" (Cloud Storage's 0). */
export const IF_ABSENT = '0';

export interface PutOptions {
  /** Write only if the object's current generation is this one (IF_ABSENT: only if there is none). */
  ifGenerationMatch?: string;
  contentType?: string;
}

export interface ObjectStore {
  /** Where the objects live, for messages: "gs://bucket" or a folder path. */
  readonly location: string;
  /** The object's bytes and info, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Info without the bytes, or undefined when there is none. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  exists(key: string): Promise<boolean>;
  /** Writes the object whole (readers never see half of it); PreconditionFailedError if `ifGenerationMatch` fails. */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<ObjectInfo>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
}

/** A conditional write lost a race: the object is not at the generation the writer read. */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(
    readonly key: string,
    readonly expectedGeneration: string,
    options?: { cause?: unknown },
  ) {
    super(
      expectedGeneration === IF_ABSENT
        ? `object ${key} already exists (written by someone else)`
        : `object ${key} changed since generation ${expectedGeneration} was read (written by someone else)`,
      options,
    );
  }
}

export function isPreconditionFailed(error: unknown): error is PreconditionFailedError {
  return error instanceof PreconditionFailedError;
}

/** Prefix of the names the folder adapter uses for temporary and lock files; no key segment may start with it. */
export const RESERVED_SEGMENT_PREFIX = '.kw-';

/**
 * Keys are what both adapters can hold with the same layout: non-empty '/'-separated segments, no '.' or '..',
 * no backslash or control characters, at most 1024 bytes (Cloud Storage's limit).
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new Error(`invalid object key ${JSON.stringify(key)}: ${problem}`);
}

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'empty';
  if (Buffer.byteLength(key) > 1024) return 'longer than 1024 bytes';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'control characters and backslashes are not allowed';
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty path segment (leading, trailing or double slash)';
    if (segment === '.' || segment === '..') return `'${segment}' segments are not allowed`;
    if (segment.startsWith(RESERVED_SEGMENT_PREFIX))
      return `segments starting with '${RESERVED_SEGMENT_PREFIX}' are reserved`;
  }
  return undefined;
}

/** A prefix is empty or a key's beginning: no backslash, control characters, '.'/'..' segments. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const probe = prefix.endsWith('/') ? `${prefix}x` : prefix;
  const problem = keyProblem(probe);
  if (problem) throw new Error(`invalid object prefix ${JSON.stringify(prefix)}: ${problem}`);
}
