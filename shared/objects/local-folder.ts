import { randomBytes } from 'node:crypto';
import type { Stats, BigIntStats } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TransientError } from '../errors/transient.js';
import {
  IF_ABSENT,
  PreconditionFailedError,
  RESERVED_SEGMENT_PREFIX,
  assertValidKey,
  assertValidPrefix,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from './port.js';

/** A lock older than this is left over from a crashed writer and may be taken over. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;
/** fs errors worth a retry: the file system is busy, not wrong. */
const TRANSIENT_FS_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR']);

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function wrap(error: unknown, what: string): Error {
  if (TRANSIENT_FS_CODES.has(code(error) ?? ''))
    return new TransientError(`${what} failed, worth a retry: ${(error as Error).message}`, { cause: error });
  return error as Error;
}

/**
 * The objects port on a folder: key "a/b/c" is the file <root>/a/b/c. Writes go to a temporary file in the same
 * folder and are renamed into place, so a reader sees the old bytes or the new, never half. Conditional writes
 * hold a lock file next to the object between the generation check and the rename, which makes them atomic
 * among processes using this adapter. The generation is the file's inode and modification time in
 * nanoseconds: every write is a new file (rename), so it changes on every write.
 */
export class LocalFolderStore implements ObjectStore {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  private path(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  private info(key: string, s: BigIntStats): ObjectInfo {
    return {
      key,
      size: Number(s.size),
      generation: `${s.ino}-${s.mtimeNs}`,
      updated: new Date(Number(s.mtimeMs)).toISOString(),
    };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.path(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
      throw wrap(error, `reading ${path}`);
    }
    try {
      // One open file: the bytes and the generation belong to the same write even if a rename lands meanwhile.
      const s = await handle.stat({ bigint: true });
      if (!s.isFile()) return undefined;
      const bytes = new Uint8Array(await handle.readFile());
      return { bytes, info: this.info(key, s) };
    } catch (error) {
      if (code(error) === 'EISDIR') return undefined;
      throw wrap(error, `reading ${path}`);
    } finally {
      await handle.close();
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const path = this.path(key);
    try {
      const s = await stat(path, { bigint: true });
      return s.isFile() ? this.info(key, s) : undefined;
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
      throw wrap(error, `reading ${path}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<ObjectInfo> {
    const path = this.path(key);
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw wrap(error, `creating ${dirname(path)}`);
    }
    const expected = options.ifGenerationMatch;
    if (expected === undefined) return this.writeAtomically(key, path, bytes);
    const release = await this.lock(path);
    try {
      const current = await this.stat(key);
      const matches = expected === IF_ABSENT ? current === undefined : current?.generation === expected;
      if (!matches) throw new PreconditionFailedError(key, expected);
      return await this.writeAtomically(key, path, bytes);
    } finally {
      await release();
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix);
    // Walk only the deepest folder the prefix names whole; filter the rest by string prefix, as Cloud Storage does.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folder ? join(this.root, ...folder.split('/')) : this.root;
    const out: ObjectInfo[] = [];
    await this.walk(start, folder, prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(dir: string, keyPrefix: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return;
      throw wrap(error, `listing ${dir}`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(RESERVED_SEGMENT_PREFIX)) continue;
      const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        // Descend only where keys below can still start with the prefix.
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(path, key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          out.push(this.info(key, await stat(path, { bigint: true })));
        } catch (error) {
          if (code(error) !== 'ENOENT') throw wrap(error, `reading ${path}`);
        }
      }
    }
  }

  private async writeAtomically(key: string, path: string, bytes: Uint8Array): Promise<ObjectInfo> {
    const temp = join(
      dirname(path),
      `${RESERVED_SEGMENT_PREFIX}tmp-${basename(path)}-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw wrap(error, `writing ${path}`);
    }
    return this.info(key, await stat(path, { bigint: true }));
  }

  /** Takes <dir>/.kw-lock-<name> (created exclusively); waits for a live one, takes over a stale one. */
  private async lock(path: string): Promise<() => Promise<void>> {
    const lockPath = join(dirname(path), `${RESERVED_SEGMENT_PREFIX}lock-${basename(path)}`);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (error) {
        if (code(error) !== 'EEXIST') throw wrap(error, `locking ${path}`);
      }
      let held: Stats | undefined;
      try {
        held = await stat(lockPath);
      } catch {
        continue;
      }
      if (Date.now() - held.mtimeMs > STALE_LOCK_MS) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline)
        throw new TransientError(`${path} is locked by another writer (${lockPath}); try again`);
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
    }
  }
}
