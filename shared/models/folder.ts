import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { modelCard, type ModelCard } from './card.js';

/** A model is a folder holding these two files (ARCHITECTURE.md, "Model contract"). */
export const MODEL_FILE = 'model.onnx';
export const CARD_FILE = 'card.json';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ModelFolder {
  dir: string;
  card: ModelCard;
  cardBytes: Uint8Array;
  onnx: Uint8Array;
  /** sha256 of model.onnx as read, to compare with card.sha256. */
  sha256: string;
}

/** Parses card.json bytes; the problems name the field and what is wrong. */
export function parseCard(bytes: Uint8Array): { card: ModelCard } | { problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return { problems: [`${CARD_FILE} is not valid JSON: ${(error as Error).message}`] };
  }
  const parsed = modelCard.safeParse(json);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${CARD_FILE} ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`) };
  }
  return { card: parsed.data };
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads both files of a model folder; problems say which file is missing or which card field is wrong. */
export async function readModelFolder(dir: string): Promise<{ folder: ModelFolder } | { problems: string[] }> {
  const abs = resolve(dir);
  const [cardBytes, onnx] = await Promise.all([readOptional(join(abs, CARD_FILE)), readOptional(join(abs, MODEL_FILE))]);
  const problems: string[] = [];
  if (!cardBytes) problems.push(`no ${CARD_FILE} in ${abs}`);
  if (!onnx) problems.push(`no ${MODEL_FILE} in ${abs}`);
  if (!cardBytes || !onnx) return { problems };
  const parsed = parseCard(cardBytes);
  if ('problems' in parsed) return parsed;
  return { folder: { dir: abs, card: parsed.card, cardBytes: new Uint8Array(cardBytes), onnx: new Uint8Array(onnx), sha256: sha256Hex(onnx) } };
}

/** Whether `dir` is a folder holding a card.json (a model folder, valid or not). */
export async function hasCard(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, CARD_FILE))).isFile();
  } catch {
    return false;
  }
}

/** What a trainer writes: the card without sha256, which is computed from the bytes. */
export type CardWithoutSha = Omit<z.input<typeof modelCard>, 'sha256'>;

async function writeAtomically(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Writes a model folder from TypeScript (exporters, tests): model.onnx, then card.json with sha256 filled in and
 * the card validated first, so a folder with a card always holds the model the card describes.
 */
export async function writeModelFolder(dir: string, model: { onnx: Uint8Array; card: CardWithoutSha }): Promise<ModelCard> {
  const card = modelCard.parse({ ...model.card, sha256: sha256Hex(model.onnx) });
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, MODEL_FILE), model.onnx);
  await writeAtomically(join(dir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}
