import type { Config } from '../config/env.js';
import type { ObjectStore } from '../objects/port.js';
import { log } from '../log/logger.js';
import { chunkMarkdown, chunkPdfPages, type Chunk } from './chunk.js';
import { pdfPages } from './pdf.js';

/** Key prefix of the procedures in the docs bucket; locally the folder itself. */
export const PROCEDURES_PREFIX = 'procedures/';

/** A PDF's chunks, or none (with the reason logged) when it cannot be read: one bad upload must not take the corpus down. */
async function pdfChunks(name: string, bytes: Uint8Array): Promise<Chunk[]> {
  try {
    return chunkPdfPages(name, await pdfPages(bytes));
  } catch (error) {
    log.warn('procedure PDF skipped', {
      document: name,
      reason: error instanceof Error ? error.message : String(error),
    });
    return [];
  }
}

/**
 * Every Markdown and PDF document of the store under `prefix`, chunked; README.md files describe the folder
 * and are skipped, as are unreadable PDFs (logged).
 */
export async function loadCorpus(store: ObjectStore, prefix: string): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (const info of await store.list(prefix)) {
    const name = info.key.slice(prefix.length);
    const pdf = /\.pdf$/i.test(name);
    if (!(pdf || /\.md$/i.test(name)) || /(^|\/)readme\.md$/i.test(name)) continue;
    const object = await store.get(info.key);
    if (!object) continue;
    chunks.push(
      ...(pdf ? await pdfChunks(name, object.bytes) : chunkMarkdown(name, new TextDecoder().decode(object.bytes))),
    );
  }
  return chunks;
}

/**
 * The docs bucket (under procedures/) when KILOWATCH_DOCS_BUCKET names one, else the KILOWATCH_PROCEDURES_DIR
 * folder (locally, and in a function deployed with the shipped corpus bundled).
 */
export async function openProcedureStore(config: Config): Promise<{ store: ObjectStore; prefix: string }> {
  if (config.KILOWATCH_BACKEND === 'gcp' && config.KILOWATCH_DOCS_BUCKET) {
    const { GcsObjectStore } = await import('../objects/gcs.js');
    return {
      store: new GcsObjectStore({
        bucket: config.KILOWATCH_DOCS_BUCKET,
        ...(config.GOOGLE_CLOUD_PROJECT ? { projectId: config.GOOGLE_CLOUD_PROJECT } : {}),
        ...(config.STORAGE_API_ENDPOINT ? { apiEndpoint: config.STORAGE_API_ENDPOINT } : {}),
      }),
      prefix: PROCEDURES_PREFIX,
    };
  }
  const { LocalFolderStore } = await import('../objects/local-folder.js');
  return { store: new LocalFolderStore(config.KILOWATCH_PROCEDURES_DIR), prefix: '' };
}
