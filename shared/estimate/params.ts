import { z } from 'zod';
import type { ModelCard } from '../models/card.js';
import { ModelTaskError } from '../models/errors.js';

/** What the estimator trainer (training/kwtrain/estimate.py) writes into card.params. */
export const estimateParams = z.object({
  target: z.string(),
  timestamp: z.string().default('ts'),
  columns: z.object({
    lagging_kvarh: z.string(),
    lagging_pf: z.string(),
    leading_kvarh: z.string(),
    leading_pf: z.string(),
    co2: z.string(),
  }),
  /** Rounding of the reported energy (its grid), of the power factors (half a unit) and of Q and CO2. */
  resolution: z.number().positive(),
  pfTol: z.number().nonnegative(),
  qTol: z.number().nonnegative(),
  co2Tol: z.number().nonnegative(),
  emissionFactor: z.number().positive().nullable(),
  cap: z.number().positive(),
  stepSeconds: z.number().int().positive(),
  timezone: z.string(),
  intervalLabel: z.enum(['end', 'start']).default('end'),
  contextCenters: z.object({ lagging_kvarh: z.number(), leading_kvarh: z.number(), co2: z.number() }),
});
export type EstimateParams = z.infer<typeof estimateParams>;

export function estimateParamsOf(card: ModelCard): EstimateParams {
  if (card.task !== 'estimate')
    throw new ModelTaskError(`model ${card.name} ${card.version} is a ${card.task} model, not an estimator`);
  const parsed = estimateParams.safeParse(card.params);
  if (!parsed.success) {
    throw new Error(
      `model ${card.name} ${card.version}: card params are not an estimator's: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
