import ort from 'onnxruntime-node';
import { resolve } from 'node:path';
import type { ModelCard } from './card.js';
import { ModelRefusedError } from './errors.js';
import { readModelFolder, sha256Hex, CARD_FILE, MODEL_FILE, type ModelFolder } from './folder.js';
import { fromOrtTensor, toOrtTensor, type TensorInput, type TensorOutput } from './tensors.js';

export interface VerificationReport {
  ok: boolean;
  dir: string;
  name?: string;
  version?: string;
  task?: ModelCard['task'];
  /** sha256 of model.onnx as read. */
  sha256?: string;
  /** sha256 the card claims. */
  cardSha256?: string;
  /** Golden pairs run through onnxruntime. */
  goldenPairs: number;
  /** Output values compared. */
  goldenValues: number;
  /** Largest |expected - actual| over every golden output value (null when none was compared). */
  maxAbsError: number | null;
  tolerance?: number;
  /** Empty when ok; otherwise each names the file, field, pair or value at fault. */
  problems: string[];
}

export interface LoadOptions {
  /** The card must name this model and version (the registry path it came from). */
  expect?: { name?: string; version?: string };
  /** onnxruntime intra-op threads; small models run fastest on one (the default). */
  threads?: number;
}

export type ModelInputs = Readonly<Record<string, TensorInput>>;
export type ModelOutputs = Record<string, TensorOutput>;

/** A model whose card matches its file and whose golden outputs reproduced; safe to serve. */
export interface VerifiedModel {
  readonly dir: string;
  readonly card: ModelCard;
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly report: VerificationReport;
  /** Runs the model: every card input by name; returns every output by name, float32. */
  run(inputs: ModelInputs): Promise<ModelOutputs>;
}

/** Golden mismatches reported one by one before the rest are only counted. */
const MAX_LISTED_MISMATCHES = 5;

/** One session per model file (sha256) and thread count; sessions are created once and shared. */
const sessions = new Map<string, Promise<ort.InferenceSession>>();
/** Card + file pairs that verified: loading them again skips the golden run. */
const verified = new Map<string, VerificationReport>();

function session(folder: ModelFolder, threads: number): Promise<ort.InferenceSession> {
  const key = `${folder.sha256}:${threads}`;
  let pending = sessions.get(key);
  if (!pending) {
    pending = ort.InferenceSession.create(folder.onnx, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Warnings about graph rewrites are noise for operators; errors still surface as rejections.
      logSeverityLevel: 3,
    });
    sessions.set(key, pending);
    pending.catch(() => sessions.delete(key));
  }
  return pending;
}

function listOf(names: readonly string[]): string {
  return names.length ? names.map((n) => `'${n}'`).join(', ') : 'none';
}

function formatValue(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : String(v);
}

async function runWith(s: ort.InferenceSession, card: ModelCard, inputs: ModelInputs): Promise<ModelOutputs> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const spec of card.inputs) {
    const input = inputs[spec.name];
    if (input === undefined) {
      throw new Error(`model ${card.name} ${card.version}: missing input '${spec.name}' (it takes ${listOf(card.inputs.map((i) => i.name))})`);
    }
    feeds[spec.name] = toOrtTensor(spec, input);
  }
  for (const name of Object.keys(inputs)) {
    if (!(name in feeds)) throw new Error(`model ${card.name} ${card.version}: unknown input '${name}' (it takes ${listOf(card.inputs.map((i) => i.name))})`);
  }
  const results = await s.run(feeds);
  const outputs: ModelOutputs = {};
  for (const [name, tensor] of Object.entries(results)) outputs[name] = fromOrtTensor(tensor);
  return outputs;
}

/** Checks the card's tensors against the model's and reproduces every golden pair; appends problems. */
async function checkGolden(s: ort.InferenceSession, card: ModelCard, report: VerificationReport): Promise<void> {
  const problems = report.problems;
  const cardInputs = card.inputs.map((i) => i.name);
  const missingInModel = cardInputs.filter((n) => !s.inputNames.includes(n));
  const missingInCard = s.inputNames.filter((n) => !cardInputs.includes(n));
  if (missingInModel.length) problems.push(`card inputs ${listOf(missingInModel)} are not inputs of ${MODEL_FILE} (it has ${listOf(s.inputNames)})`);
  if (missingInCard.length) problems.push(`${MODEL_FILE} also needs inputs ${listOf(missingInCard)} that the card does not declare`);
  const outputsMissing = card.outputs.map((o) => o.name).filter((n) => !s.outputNames.includes(n));
  if (outputsMissing.length) problems.push(`card outputs ${listOf(outputsMissing)} are not outputs of ${MODEL_FILE} (it has ${listOf(s.outputNames)})`);
  if (problems.length) return;

  let maxAbs = 0;
  let compared = 0;
  let mismatches = 0;
  for (const [index, pair] of card.golden.entries()) {
    const label = `golden pair ${index}`;
    const extra = Object.keys(pair.inputs).filter((n) => !cardInputs.includes(n));
    if (extra.length) {
      problems.push(`${label}: inputs ${listOf(extra)} are not card inputs`);
      continue;
    }
    let outputs: ModelOutputs;
    try {
      const feeds: Record<string, TensorInput> = {};
      for (const [name, values] of Object.entries(pair.inputs)) {
        const dims = pair.dims?.[name];
        feeds[name] = dims ? { data: values, dims } : values;
      }
      outputs = await runWith(s, card, feeds);
    } catch (error) {
      problems.push(`${label}: onnxruntime could not run it: ${(error as Error).message}`);
      continue;
    }
    report.goldenPairs++;
    for (const [name, expected] of Object.entries(pair.outputs)) {
      const actual = outputs[name];
      if (!actual) {
        problems.push(`${label}: expected output '${name}' is not an output of ${MODEL_FILE} (it has ${listOf(s.outputNames)})`);
        continue;
      }
      if (actual.data.length !== expected.length) {
        problems.push(`${label}, output '${name}': expected ${expected.length} values, the model gives ${actual.data.length} (dims [${actual.dims.join(', ')}])`);
        continue;
      }
      for (let i = 0; i < expected.length; i++) {
        const e = expected[i] as number;
        const a = actual.data[i] as number;
        compared++;
        const error = Number.isNaN(e) && Number.isNaN(a) ? 0 : Math.abs(e - a);
        if (!(error <= card.goldenTolerance)) {
          mismatches++;
          if (mismatches <= MAX_LISTED_MISMATCHES) {
            problems.push(
              `${label}, output '${name}'[${i}]: expected ${formatValue(e)}, got ${formatValue(a)} (|error| ${formatValue(error)} > goldenTolerance ${card.goldenTolerance})`,
            );
          }
        }
        if (Number.isFinite(error)) maxAbs = Math.max(maxAbs, error);
        else maxAbs = Infinity;
      }
    }
  }
  if (mismatches > 0) problems.push(`${mismatches} of ${compared} golden values out of tolerance${mismatches > MAX_LISTED_MISMATCHES ? ` (the first ${MAX_LISTED_MISMATCHES} listed)` : ''}`);
  report.goldenValues = compared;
  report.maxAbsError = compared ? maxAbs : null;
}

class LoadedModel implements VerifiedModel {
  readonly name: string;
  readonly version: string;
  constructor(
    readonly dir: string,
    readonly card: ModelCard,
    readonly sha256: string,
    readonly report: VerificationReport,
    private readonly session: ort.InferenceSession,
  ) {
    this.name = card.name;
    this.version = card.version;
  }

  run(inputs: ModelInputs): Promise<ModelOutputs> {
    return runWith(this.session, this.card, inputs);
  }
}

/**
 * Verifies a model folder without throwing: the card parses, the sha256 of model.onnx equals card.sha256,
 * onnxruntime loads it, its tensors are the card's, and every golden pair reproduces within goldenTolerance.
 * Returns the report and, when ok, the model ready to run.
 */
export async function verifyModel(dir: string, options: LoadOptions = {}): Promise<{ report: VerificationReport; model?: VerifiedModel }> {
  const report: VerificationReport = { ok: false, dir: resolve(dir), goldenPairs: 0, goldenValues: 0, maxAbsError: null, problems: [] };
  const read = await readModelFolder(dir);
  if ('problems' in read) {
    report.problems.push(...read.problems);
    return { report };
  }
  const { folder } = read;
  const { card } = folder;
  Object.assign(report, { name: card.name, version: card.version, task: card.task, sha256: folder.sha256, cardSha256: card.sha256, tolerance: card.goldenTolerance });
  if (folder.sha256 !== card.sha256) {
    report.problems.push(
      `sha256 of ${MODEL_FILE} is ${folder.sha256} but ${CARD_FILE} says ${card.sha256}: the card does not describe this file (export the model and its card together)`,
    );
  }
  if (options.expect?.name !== undefined && card.name !== options.expect.name) {
    report.problems.push(`${CARD_FILE} name is '${card.name}', expected '${options.expect.name}'`);
  }
  if (options.expect?.version !== undefined && card.version !== options.expect.version) {
    report.problems.push(`${CARD_FILE} version is '${card.version}', expected '${options.expect.version}'`);
  }
  // Never run a file the card does not describe.
  if (report.problems.length) return { report };

  const threads = Math.max(1, options.threads ?? 1);
  let s: ort.InferenceSession;
  try {
    s = await session(folder, threads);
  } catch (error) {
    report.problems.push(`onnxruntime cannot load ${MODEL_FILE}: ${(error as Error).message}`);
    return { report };
  }
  const cacheKey = `${folder.sha256}:${sha256Hex(folder.cardBytes)}`;
  const known = verified.get(cacheKey);
  if (known) {
    Object.assign(report, { goldenPairs: known.goldenPairs, goldenValues: known.goldenValues, maxAbsError: known.maxAbsError });
  } else {
    await checkGolden(s, card, report);
  }
  report.ok = report.problems.length === 0;
  if (!report.ok) return { report };
  if (!known) verified.set(cacheKey, { ...report, problems: [] });
  return { report, model: new LoadedModel(report.dir, card, folder.sha256, report, s) };
}

/** Loads a verified model from a folder, or throws ModelRefusedError naming every problem. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<VerifiedModel> {
  const { report, model } = await verifyModel(dir, options);
  if (!model) {
    const who = report.name ? `model ${report.name} ${report.version} (${report.dir})` : `model folder ${report.dir}`;
    throw new ModelRefusedError(who, report.problems);
  }
  return model;
}
