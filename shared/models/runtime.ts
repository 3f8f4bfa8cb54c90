/**
 * The model runtime, in one import for the commands and functions that serve models:
 *
 *   resolveModel(ref)            `--model <dir|name>`: a model folder, or a name's champion (registry, else models/<name>)
 *   loadModel(dir)               a verified model from a folder (sha256 + golden outputs), or ModelRefusedError
 *   verifyModel(dir)             the same checks as a report, without throwing
 *   championModel(name)          the shared ChampionModel of a name: get() re-checks the champion pointer
 *   model.run({ x: Float32Array }) → { y: { data: Float32Array, dims } }
 */
export { loadModel, verifyModel } from './loader.js';
export type { LoadOptions, ModelInputs, ModelOutputs, VerificationReport, VerifiedModel } from './loader.js';
export type { TensorInput, TensorOutput } from './tensors.js';
export { ChampionModel } from './champion.js';
export type { ChampionModelOptions, ChampionSource, ChampionStatus } from './champion.js';
export { championModel, committedModelDir, modelCacheDir, openRegistry, resolveModel } from './resolve.js';
export type { ResolveOptions } from './resolve.js';
export { ModelNotFoundError, ModelRefusedError } from './errors.js';
