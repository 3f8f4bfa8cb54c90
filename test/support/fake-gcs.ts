import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { googleError, type InjectedFailure, type Reply } from './http-fake.js';

/**
 * A local server speaking Cloud Storage's JSON API as far as `@google-cloud/storage` v7 uses it for the objects
 * port (https://cloud.google.com/storage/docs/json_api/v1/objects):
 *
 *   POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart&name=…   multipart/related: JSON metadata + bytes
 *   POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=…       the bytes alone
 *   POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable&name=…   starts a session: 200 + Location
 *   PUT  {session}  Content-Range: bytes A-B/T | A-*\/T | *\/T           sends bytes / asks how far it got (308)
 *   GET  /storage/v1/b/{bucket}/o/{object}[?generation=…]              metadata; with alt=media the bytes
 *   GET  /storage/v1/b/{bucket}/o?prefix=…&pageToken=…&maxResults=…     list, paged (pageSize per page)
 *   DELETE /storage/v1/b/{bucket}/o/{object}                           (the client deletes after a checksum mismatch)
 *
 * Object names in paths are percent-encoded ('/' as %2F). Preconditions ifGenerationMatch (0: must not exist) and
 * ifGenerationNotMatch answer 412 conditionNotMet. Uploads answer the object resource with md5Hash and crc32c,
 * which the client checks; downloads carry x-goog-hash, x-goog-generation and x-goog-stored-content-encoding
 * (the client checks the hash only when that says identity). Only the live generation of an
 * object is kept (a bucket without versioning): asking for an older one is a 404.
 */

export type GcsRequestKind =
  | 'upload-multipart'
  | 'upload-media'
  | 'upload-resumable-start'
  | 'upload-resumable-put'
  | 'object-metadata'
  | 'object-media'
  | 'object-list'
  | 'object-delete'
  | 'unknown';

export interface GcsRequest {
  kind: GcsRequestKind;
  method: string;
  /** Raw path (object names still percent-encoded). */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Decoded object name the request is about, when it names one. */
  object?: string;
}

export interface FakeObject {
  name: string;
  bytes: Buffer;
  generation: string;
  contentType: string;
  created: string;
  updated: string;
}

interface Session {
  bucket: string;
  name: string;
  contentType: string;
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  received: Buffer[];
  finished?: Record<string, unknown>;
}

interface ScheduledFailure {
  failure: InjectedFailure;
  when: (request: GcsRequest) => boolean;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as Cloud Storage reports it: big-endian, base64. */
export function crc32cBase64(bytes: Uint8Array): string {
  let crc = 0xffffffff;
  for (const b of bytes) crc = (CRC32C_TABLE[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

function md5Base64(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}

/** Splits a multipart/related body into its parts (headers and bytes). */
function parseMultipart(
  body: Buffer,
  contentType: string,
): Array<{ headers: Record<string, string>; data: Buffer }> | string {
  const match = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!match) return 'multipart upload without a boundary';
  const delimiter = Buffer.from(`--${match[1]}`);
  const parts: Array<{ headers: Record<string, string>; data: Buffer }> = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return 'multipart body without its boundary';
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    if (body.subarray(at, at + 2).toString() !== '\r\n') return 'malformed multipart delimiter line';
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) return 'multipart part without headers';
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) return 'multipart part without a closing boundary';
    parts.push({ headers, data: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

export class FakeGcs {
  readonly requests: GcsRequest[] = [];
  /** Exceptions thrown while handling: a test should expect none. */
  readonly bugs: unknown[] = [];
  /** Objects per page of a list answer (small, so that tests see the client follow nextPageToken). */
  pageSize = 2;
  /** Downloads to damage in transit (one byte flipped, headers and checksums left as they were). */
  damageDownloads = 0;
  private readonly buckets = new Map<string, Map<string, FakeObject>>();
  private readonly sessions = new Map<string, Session>();
  private readonly failures: ScheduledFailure[] = [];
  private server: http.Server | undefined;
  private nextGeneration = BigInt(Date.now()) * 1000n;
  private nextSession = 1;

  static async start(buckets: readonly string[]): Promise<FakeGcs> {
    const fake = new FakeGcs();
    for (const b of buckets) fake.buckets.set(b, new Map());
    fake.server = http.createServer((req, res) => void fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The next `count` requests that match `when` (default: any) fail this way instead of being served. */
  failNext(
    count: number,
    failure: InjectedFailure = { kind: 'status', status: 503, reason: 'backendError' },
    when: (r: GcsRequest) => boolean = () => true,
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ failure, when });
  }

  get pendingFailures(): number {
    return this.failures.length;
  }

  object(bucket: string, name: string): FakeObject | undefined {
    return this.buckets.get(bucket)?.get(name);
  }

  objectNames(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  /** Writes an object as another client would (a new generation). */
  putObject(bucket: string, name: string, bytes: Uint8Array, contentType = 'application/octet-stream'): FakeObject {
    return this.store(bucket, name, Buffer.from(bytes), contentType);
  }

  kinds(): GcsRequestKind[] {
    return this.requests.map((r) => r.kind);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private store(bucket: string, name: string, bytes: Buffer, contentType: string): FakeObject {
    const objects = this.buckets.get(bucket)!;
    const now = new Date().toISOString();
    const object: FakeObject = {
      name,
      bytes,
      generation: String(this.nextGeneration++),
      contentType,
      created: now,
      updated: now,
    };
    objects.set(name, object);
    return object;
  }

  private resource(bucket: string, o: FakeObject): Record<string, unknown> {
    const encoded = encodeURIComponent(o.name);
    return {
      kind: 'storage#object',
      id: `${bucket}/${o.name}/${o.generation}`,
      selfLink: `${this.url}/storage/v1/b/${bucket}/o/${encoded}`,
      mediaLink: `${this.url}/download/storage/v1/b/${bucket}/o/${encoded}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket,
      generation: o.generation,
      metageneration: '1',
      contentType: o.contentType,
      storageClass: 'STANDARD',
      size: String(o.bytes.length),
      md5Hash: md5Base64(o.bytes),
      crc32c: crc32cBase64(o.bytes),
      etag: `C${o.generation}`,
      timeCreated: o.created,
      updated: o.updated,
    };
  }

  private classify(
    method: string,
    path: string,
    query: Record<string, string>,
  ): { kind: GcsRequestKind; bucket?: string; object?: string } {
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (upload) {
      const bucket = decodeURIComponent(upload[1]!);
      if (method === 'PUT') return { kind: 'upload-resumable-put', bucket };
      const type = query.uploadType;
      const kind =
        type === 'multipart'
          ? 'upload-multipart'
          : type === 'media'
            ? 'upload-media'
            : type === 'resumable'
              ? 'upload-resumable-start'
              : 'unknown';
      return { kind, bucket, ...(query.name !== undefined ? { object: query.name } : {}) };
    }
    const one = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (one) {
      const bucket = decodeURIComponent(one[1]!);
      const object = decodeURIComponent(one[2]!);
      if (method === 'DELETE') return { kind: 'object-delete', bucket, object };
      if (method === 'GET') return { kind: query.alt === 'media' ? 'object-media' : 'object-metadata', bucket, object };
    }
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (list && method === 'GET') return { kind: 'object-list', bucket: decodeURIComponent(list[1]!) };
    return { kind: 'unknown' };
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const { kind, bucket, object } = this.classify(method, url.pathname, query);
    const request: GcsRequest = {
      kind,
      method,
      path: url.pathname,
      query,
      headers: req.headers,
      body: Buffer.concat(chunks),
      ...(object !== undefined ? { object } : {}),
    };
    this.requests.push(request);

    const index = this.failures.findIndex((f) => f.when(request));
    if (index >= 0) {
      const [{ failure }] = this.failures.splice(index, 1) as [ScheduledFailure];
      if (failure.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (failure.html) {
        res.writeHead(failure.status, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        return;
      }
      this.reply(res, googleError(failure.status, failure.message ?? 'injected failure', failure.reason));
      return;
    }
    try {
      if (kind === 'unknown') {
        this.reply(res, googleError(404, `Not Found: ${method} ${url.pathname}`, 'notFound'));
        return;
      }
      if (!bucket || !this.buckets.has(bucket)) {
        this.reply(res, googleError(404, 'The specified bucket does not exist.', 'notFound'));
        return;
      }
      if (kind === 'object-media') {
        this.media(res, bucket, object!, query);
        return;
      }
      if (kind === 'upload-resumable-start') {
        this.startSession(res, bucket, request);
        return;
      }
      if (kind === 'upload-resumable-put') {
        this.sessionPut(res, request);
        return;
      }
      this.reply(res, this.handle(kind, bucket, object, request));
    } catch (error) {
      this.bugs.push(error);
      this.reply(res, googleError(500, `fake server bug: ${(error as Error).message}`));
    }
  }

  private reply(res: http.ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
    if (reply.status === 204) {
      res.writeHead(204, headers).end();
      return;
    }
    res
      .writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
      .end(JSON.stringify(reply.body));
  }

  /** 412 unless the object's state satisfies the request's generation preconditions. */
  private precondition(current: FakeObject | undefined, match?: string, notMatch?: string): Reply | undefined {
    const failed = googleError(
      412,
      'At least one of the pre-conditions you specified did not hold.',
      'conditionNotMet',
    );
    const generation = current?.generation ?? '0';
    if (match !== undefined && match !== generation) return failed;
    if (notMatch !== undefined && notMatch === generation) return failed;
    return undefined;
  }

  private handle(kind: GcsRequestKind, bucket: string, object: string | undefined, request: GcsRequest): Reply {
    const objects = this.buckets.get(bucket)!;
    const { query } = request;
    switch (kind) {
      case 'object-metadata': {
        const found = this.live(objects, object!, query.generation);
        if (!found) return googleError(404, `No such object: ${bucket}/${object}`, 'notFound');
        return (
          this.precondition(found, query.ifGenerationMatch, query.ifGenerationNotMatch) ?? {
            status: 200,
            body: this.resource(bucket, found),
          }
        );
      }
      case 'object-delete': {
        const found = objects.get(object!);
        if (!found) return googleError(404, `No such object: ${bucket}/${object}`, 'notFound');
        const failed = this.precondition(found, query.ifGenerationMatch, query.ifGenerationNotMatch);
        if (failed) return failed;
        objects.delete(object!);
        return { status: 204, body: undefined };
      }
      case 'object-list': {
        const prefix = query.prefix ?? '';
        const names = [...objects.keys()].filter((n) => n.startsWith(prefix)).sort();
        const start = query.pageToken
          ? names.findIndex((n) => n > Buffer.from(query.pageToken!, 'base64url').toString('utf8'))
          : 0;
        const size = Math.min(this.pageSize, Number(query.maxResults ?? Infinity));
        const page = start < 0 ? [] : names.slice(start, start + size);
        const body: Record<string, unknown> = {
          kind: 'storage#objects',
          items: page.map((n) => this.resource(bucket, objects.get(n)!)),
        };
        if (start >= 0 && start + size < names.length)
          body.nextPageToken = Buffer.from(page[page.length - 1]!).toString('base64url');
        if (page.length === 0) delete body.items;
        return { status: 200, body };
      }
      case 'upload-media':
      case 'upload-multipart':
        return this.simpleUpload(kind, bucket, request);
      default:
        return googleError(400, `unsupported request ${kind}`, 'invalid');
    }
  }

  private live(objects: Map<string, FakeObject>, name: string, generation?: string): FakeObject | undefined {
    const found = objects.get(name);
    if (!found) return undefined;
    return generation === undefined || generation === found.generation ? found : undefined;
  }

  private media(res: http.ServerResponse, bucket: string, object: string, query: Record<string, string>): void {
    const found = this.live(this.buckets.get(bucket)!, object, query.generation);
    if (!found) {
      this.reply(res, googleError(404, `No such object: ${bucket}/${object}`, 'notFound'));
      return;
    }
    const failed = this.precondition(found, query.ifGenerationMatch, query.ifGenerationNotMatch);
    if (failed) {
      this.reply(res, failed);
      return;
    }
    res
      .writeHead(200, {
        'content-type': found.contentType,
        'content-length': String(found.bytes.length),
        'x-goog-generation': found.generation,
        'x-goog-metageneration': '1',
        'x-goog-hash': `crc32c=${crc32cBase64(found.bytes)},md5=${md5Base64(found.bytes)}`,
        'x-goog-stored-content-length': String(found.bytes.length),
        // Without it the client skips its checksum check (it cannot tell whether the bytes were gzip'd in storage).
        'x-goog-stored-content-encoding': 'identity',
      })
      .end(
        this.damageDownloads-- > 0 && found.bytes.length > 0
          ? Buffer.concat([Buffer.from([found.bytes[0]! ^ 0xff]), found.bytes.subarray(1)])
          : found.bytes,
      );
    if (this.damageDownloads < 0) this.damageDownloads = 0;
  }

  private simpleUpload(kind: 'upload-media' | 'upload-multipart', bucket: string, request: GcsRequest): Reply {
    let name = request.query.name;
    let contentType = request.headers['content-type'] ?? 'application/octet-stream';
    let data = request.body;
    if (kind === 'upload-multipart') {
      const parts = parseMultipart(request.body, contentType);
      if (typeof parts === 'string') return googleError(400, parts, 'invalid');
      if (parts.length !== 2)
        return googleError(400, `multipart upload with ${parts.length} parts (expected metadata and media)`, 'invalid');
      let metadata: { name?: string; contentType?: string; md5Hash?: string; crc32c?: string };
      try {
        metadata = JSON.parse(parts[0]!.data.toString('utf8')) as typeof metadata;
      } catch {
        return googleError(400, 'Invalid JSON in the metadata part', 'parseError');
      }
      name = metadata.name ?? name;
      data = parts[1]!.data;
      contentType = metadata.contentType ?? parts[1]!.headers['content-type'] ?? 'application/octet-stream';
      if (metadata.crc32c && metadata.crc32c !== crc32cBase64(data))
        return googleError(400, 'Provided CRC32C does not match the data.', 'invalid');
      if (metadata.md5Hash && metadata.md5Hash !== md5Base64(data))
        return googleError(400, 'Provided MD5 hash does not match the data.', 'invalid');
    }
    if (!name) return googleError(400, 'Required: object name', 'required');
    const failed = this.precondition(
      this.buckets.get(bucket)!.get(name),
      request.query.ifGenerationMatch,
      request.query.ifGenerationNotMatch,
    );
    if (failed) return failed;
    return { status: 200, body: this.resource(bucket, this.store(bucket, name, data, contentType)) };
  }

  private startSession(res: http.ServerResponse, bucket: string, request: GcsRequest): void {
    let metadata: { name?: string; contentType?: string } = {};
    if (request.body.length > 0) {
      try {
        metadata = JSON.parse(request.body.toString('utf8')) as typeof metadata;
      } catch {
        this.reply(res, googleError(400, 'Invalid JSON payload received.', 'parseError'));
        return;
      }
    }
    const name = request.query.name ?? metadata.name;
    if (!name) {
      this.reply(res, googleError(400, 'Required: object name', 'required'));
      return;
    }
    const { ifGenerationMatch, ifGenerationNotMatch } = request.query;
    const failed = this.precondition(this.buckets.get(bucket)!.get(name), ifGenerationMatch, ifGenerationNotMatch);
    if (failed) {
      this.reply(res, failed);
      return;
    }
    const id = `session-${this.nextSession++}`;
    this.sessions.set(id, {
      bucket,
      name,
      contentType: String(
        request.headers['x-upload-content-type'] ?? metadata.contentType ?? 'application/octet-stream',
      ),
      ...(ifGenerationMatch !== undefined ? { ifGenerationMatch } : {}),
      ...(ifGenerationNotMatch !== undefined ? { ifGenerationNotMatch } : {}),
      received: [],
    });
    const location = `${this.url}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' }).end();
  }

  /** A PUT to a session: Content-Range says which bytes it carries and, once known, the total. */
  private sessionPut(res: http.ServerResponse, request: GcsRequest): void {
    const session = this.sessions.get(request.query.upload_id ?? '');
    if (!session) {
      this.reply(res, googleError(404, 'No such upload session.', 'notFound'));
      return;
    }
    if (session.finished) {
      this.reply(res, { status: 200, body: session.finished });
      return;
    }
    const have = session.received.reduce((n, b) => n + b.length, 0);
    const incomplete = (size: number) => {
      res
        .writeHead(308, size > 0 ? { range: `bytes=0-${size - 1}`, 'content-length': '0' } : { 'content-length': '0' })
        .end();
    };
    const range = request.headers['content-range'] ?? '';
    const status = /^bytes \*\/(\d+|\*)$/.exec(range);
    if (status) {
      // A status query (the client resuming after a failure), or the end of an upload whose size was sent before.
      if (status[1] !== '*' && Number(status[1]) === have) this.finishSession(res, session, request);
      else incomplete(have);
      return;
    }
    const chunk = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range);
    if (!chunk) {
      this.reply(res, googleError(400, `Invalid Content-Range: ${JSON.stringify(range)}`, 'invalid'));
      return;
    }
    const first = Number(chunk[1]);
    if (first !== have) {
      this.reply(res, googleError(400, `Content-Range starts at ${first} but ${have} bytes were received`, 'invalid'));
      return;
    }
    session.received.push(request.body);
    const total = chunk[3] === '*' ? undefined : Number(chunk[3]);
    // "A-*/*": one request carrying all the rest (the client's single-request mode); "A-B/T" is last when B+1 = T.
    const last = chunk[2] === '*' || (total !== undefined && have + request.body.length === total);
    if (last) this.finishSession(res, session, request);
    else incomplete(have + request.body.length);
  }

  private finishSession(res: http.ServerResponse, session: Session, request: GcsRequest): void {
    const data = Buffer.concat(session.received);
    const hashes = String(request.headers['x-goog-hash'] ?? '');
    for (const part of hashes.split(',').filter(Boolean)) {
      const [algorithm, value] = [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)];
      const actual = algorithm === 'crc32c' ? crc32cBase64(data) : algorithm === 'md5' ? md5Base64(data) : value;
      if (actual !== value) {
        this.reply(res, googleError(400, `Provided ${algorithm} does not match the data.`, 'invalid'));
        return;
      }
    }
    const failed = this.precondition(
      this.buckets.get(session.bucket)!.get(session.name),
      session.ifGenerationMatch,
      session.ifGenerationNotMatch,
    );
    if (failed) {
      this.reply(res, failed);
      return;
    }
    session.finished = this.resource(
      session.bucket,
      this.store(session.bucket, session.name, data, session.contentType),
    );
    this.reply(res, { status: 200, body: session.finished });
  }
}
