import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { problem } from './problem.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * GET/HEAD of files inside one folder (the built dashboard); `/` is index.html, a 503 naming the build command
 * while the folder lacks it. Paths that leave the folder,
 * hidden files and unknown types fall through to the next handler (the 404 problem).
 */
export function staticFiles(dir: string): MiddlewareHandler {
  const root = resolve(dir);
  const cache = new Map<string, { body: Uint8Array; type: string }>();
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    if (c.req.path === '/' && !existsSync(join(root, 'index.html'))) {
      return problem(c, 503, `the dashboard is not built in ${dir}: run npm run build:dashboard`);
    }
    const rel = decodedPath(c.req.path === '/' ? '/index.html' : c.req.path);
    if (rel === undefined) return problem(c, 400, 'the path is not valid percent-encoding');
    const file = resolve(join(root, rel));
    const type = TYPES[extname(file)];
    if (
      !type ||
      !file.startsWith(root + sep) ||
      rel.includes(`${sep}.`) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    )
      return next();
    let entry = cache.get(file);
    if (!entry) {
      entry = { body: readFileSync(file), type };
      cache.set(file, entry);
    }
    return c.body(entry.body as Uint8Array<ArrayBuffer>, 200, {
      'content-type': entry.type,
      'cache-control': 'no-cache',
    });
  };
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
