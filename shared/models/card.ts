import { z } from 'zod';

/**
 * The model card: `card.json` next to `model.onnx` in a model folder (ARCHITECTURE.md, "Model contract").
 * Trainers (Python or TypeScript) write it; the runtime refuses a model whose card does not match its
 * file (sha256) or whose golden outputs it cannot reproduce.
 */

export const MODEL_TASKS = ['forecast', 'anomaly', 'estimate'] as const;

const tensorSpec = z.strictObject({
  name: z.string().min(1),
  /** Dimensions; -1 (or a string) for a dynamic dimension such as the batch. */
  shape: z.array(z.union([z.number().int(), z.string()])),
  type: z.enum(['float32', 'float64', 'int64', 'int32']).default('float32'),
});

const featureSpec = z.strictObject({
  name: z.string().min(1),
  /** How the raw feature is normalised before it enters the model: (x - center) / scale. */
  center: z.number().default(0),
  scale: z.number().default(1),
  description: z.string().optional(),
});

const goldenPair = z.strictObject({
  /** Input tensor name → flat values (row-major). */
  inputs: z.record(z.string(), z.array(z.number())),
  /** Output tensor name → flat values expected from the model. */
  outputs: z.record(z.string(), z.array(z.number())),
  /**
   * Input tensor name → dims, needed only where the card's shape has more than one dynamic dimension (with
   * one, the runtime infers it from the number of values).
   */
  dims: z.record(z.string(), z.array(z.number().int().nonnegative())).optional(),
});

export const holdoutSpec = z.strictObject({
  from: z.string(),
  to: z.string(),
  origins: z.number().int().nonnegative().optional(),
  rows: z.number().int().nonnegative().optional(),
  untouched: z.boolean(),
  rule: z.string(),
});

/** The distribution of one input series over the training data: what drift watch compares live inputs with. */
export const referenceDistribution = z.strictObject({
  /** Values it was computed from. */
  n: z.number().int().positive(),
  /** The 0th, 1st, ..., 100th percentiles (101 values, ascending): PSI bins and the KS reference CDF. */
  quantiles: z.array(z.number()).length(101),
});
export type ReferenceDistribution = z.infer<typeof referenceDistribution>;

export const modelCard = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'lowercase letters, digits and dashes'),
  version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  task: z.enum(MODEL_TASKS),
  description: z.string(),
  /** Kind of model: "mlp-quantile", "isolation-forest", "pca-t2q", ... */
  algorithm: z.string(),
  inputs: z.array(tensorSpec).min(1),
  outputs: z.array(tensorSpec).min(1),
  features: z.array(featureSpec),
  /** What each output means, in words (e.g. "p10, p50, p90 of the next 96 steps, kWh"). */
  outputMeaning: z.string(),
  quantiles: z.array(z.number().gt(0).lt(1)).optional(),
  threshold: z.number().optional(),
  /** Task-specific settings the runtime needs (frequency, horizon, window, target, metrics, ...). */
  params: z.record(z.string(), z.unknown()).default({}),
  training: z.strictObject({
    data: z.string(),
    from: z.string(),
    to: z.string(),
    rows: z.number().int().nonnegative(),
    seed: z.number().int().optional(),
    device: z.string().optional(),
  }),
  /** Holdout metrics; `primary` names the one promotion compares (lower is better unless `higherIsBetter`). */
  metrics: z.strictObject({
    primary: z.string(),
    higherIsBetter: z.boolean().default(false),
    values: z.record(z.string(), z.number()),
    /** Where `values` come from: `untouched` when no fitting, normalisation, early stopping or calibration read that slice. */
    holdout: holdoutSpec.optional(),
  }),
  codeVersion: z.string(),
  createdAt: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  golden: z.array(goldenPair).min(1),
  /** Absolute tolerance for golden outputs (float32 rounding across runtimes). */
  goldenTolerance: z.number().positive().default(1e-4),
  /** Input series → their training distribution (the trainer writes it; drift watch reads it). */
  reference: z.record(z.string(), referenceDistribution).optional(),
});

export type ModelCard = z.infer<typeof modelCard>;
