import { Storage, type Bucket, type FileMetadata, type StorageOptions } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { TransientError } from '../errors/transient.js';
import { classifyStorageError, storageHttpStatus } from './gcs-errors.js';
import {
  PreconditionFailedError,
  assertValidKey,
  assertValidPrefix,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from './port.js';

export interface GcsRetryOptions {
  /** Retries of a retryable answer (408, 429, 5xx, network) inside one call; 0 turns them off. */
  maxRetries?: number;
  /** Longest wait between two retries, in seconds. */
  maxRetryDelaySeconds?: number;
  /** Time after which the call gives up retrying, in seconds. */
  totalTimeoutSeconds?: number;
}

export interface GcsObjectStoreOptions {
  bucket: string;
  projectId?: string;
  /**
   * Endpoint override (STORAGE_API_ENDPOINT), e.g. http://127.0.0.1:4443. A host outside googleapis.com is a local
   * server speaking the JSON API (tests, emulators): requests then carry no credentials and no Google auth
   * lookup happens.
   */
  apiEndpoint?: string;
  retry?: GcsRetryOptions;
  /** Objects larger than this go up as a resumable upload, smaller ones in one multipart request. */
  resumableThresholdBytes?: number;
}

/** The library's defaults allow 600 s of retries; a function loading its model must give up much sooner. */
const DEFAULT_RETRY: Required<GcsRetryOptions> = { maxRetries: 3, maxRetryDelaySeconds: 8, totalTimeoutSeconds: 60 };
/** Google recommends resumable uploads above about 8 MiB; below, one multipart request is cheaper. */
const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
/** A read retries when the object was replaced between its metadata and its bytes. */
const READ_ATTEMPTS = 3;

/** Whether an endpoint is Google's (authenticate) or a local stand-in (no credentials). */
export function isGoogleStorageEndpoint(apiEndpoint: string): boolean {
  const host = new URL(/^\w+:\/\//.test(apiEndpoint) ? apiEndpoint : `https://${apiEndpoint}`).hostname;
  return host === 'googleapis.com' || host.endsWith('.googleapis.com');
}

function toInfo(key: string, metadata: FileMetadata): ObjectInfo {
  if (metadata.generation === undefined) throw new Error(`Cloud Storage answered without a generation for ${key}`);
  return {
    key,
    size: Number(metadata.size ?? 0),
    generation: String(metadata.generation),
    updated: metadata.updated ?? metadata.timeCreated ?? new Date(0).toISOString(),
  };
}

/** A 404 about the bucket, not the object: a configuration error, never "no such object". */
function isMissingBucket(error: unknown): boolean {
  return /bucket does not exist/i.test((error as Error | undefined)?.message ?? '');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The objects port on a Cloud Storage bucket through `@google-cloud/storage`. Every write carries checksums the
 * client checks against the service's answer; conditional writes use `ifGenerationMatch` (0: only if absent).
 */
export class GcsObjectStore implements ObjectStore {
  readonly location: string;
  private readonly client: Storage;
  private readonly bucket: Bucket;
  private readonly resumableThreshold: number;

  constructor(options: GcsObjectStoreOptions) {
    if (!BUCKET_NAME.test(options.bucket)) {
      throw new Error(
        `invalid Cloud Storage bucket name: ${JSON.stringify(options.bucket)} (lowercase letters, digits, dots, dashes, underscores)`,
      );
    }
    this.location = `gs://${options.bucket}`;
    this.resumableThreshold = options.resumableThresholdBytes ?? DEFAULT_RESUMABLE_THRESHOLD;
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const clientOptions: StorageOptions = {
      retryOptions: {
        // The library reads maxRetries 0 as "default"; autoRetry false is how retries are turned off.
        autoRetry: retry.maxRetries > 0,
        maxRetries: retry.maxRetries,
        maxRetryDelay: retry.maxRetryDelaySeconds,
        totalTimeout: retry.totalTimeoutSeconds,
      },
    };
    if (options.projectId) clientOptions.projectId = options.projectId;
    if (options.apiEndpoint) {
      clientOptions.apiEndpoint = options.apiEndpoint.replace(/\/+$/, '');
      // The storage client skips auth for a custom endpoint anyway; a pass-through client makes sure nothing
      // looks for Google credentials. (It bundles its own google-auth-library copy, hence the cast.)
      if (!isGoogleStorageEndpoint(options.apiEndpoint))
        clientOptions.authClient = new PassThroughClient() as unknown as StorageOptions['authClient'];
    }
    this.client = new Storage(clientOptions);
    this.bucket = this.client.bucket(options.bucket);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    assertValidKey(key);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const info = await this.stat(key);
      if (!info) return undefined;
      try {
        // Pinned to the generation just read, so the bytes and the info belong together.
        const [contents] = await this.bucket.file(key, { generation: info.generation }).download();
        return { bytes: new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength), info };
      } catch (error) {
        if (storageHttpStatus(error) !== 404 || isMissingBucket(error))
          throw classifyStorageError(error, `download of ${this.location}/${key}`);
        // Replaced or deleted between the two calls: look again.
      }
    }
    throw new TransientError(`Cloud Storage object ${this.location}/${key} kept changing while being read`);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    try {
      const [metadata] = await this.bucket.file(key).getMetadata();
      return toInfo(key, metadata);
    } catch (error) {
      if (storageHttpStatus(error) === 404 && !isMissingBucket(error)) return undefined;
      throw classifyStorageError(error, `metadata get of ${this.location}/${key}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    const file = this.bucket.file(key);
    const contentType = options.contentType ?? 'application/octet-stream';
    try {
      await file.save(asBuffer(bytes), {
        resumable: bytes.byteLength > this.resumableThreshold,
        contentType,
        validation: 'crc32c',
        ...(options.ifGenerationMatch !== undefined
          ? { preconditionOpts: { ifGenerationMatch: options.ifGenerationMatch } }
          : {}),
      });
    } catch (error) {
      if (storageHttpStatus(error) === 412 && options.ifGenerationMatch !== undefined) {
        throw new PreconditionFailedError(key, options.ifGenerationMatch, { cause: error });
      }
      throw classifyStorageError(error, `upload of ${this.location}/${key}`);
    }
    return toInfo(key, file.metadata);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix);
    try {
      const [files] = await this.bucket.getFiles({ prefix, autoPaginate: true });
      return files.map((f) => toInfo(f.name, f.metadata)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    } catch (error) {
      throw classifyStorageError(error, `list of ${this.location}/${prefix}`);
    }
  }
}
