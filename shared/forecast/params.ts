import { z } from 'zod';
import type { ModelCard } from '../models/card.js';

/** What the forecast trainer (training/kwtrain/forecast.py) writes into card.params. */
export const forecastParams = z.object({
  target: z.string(),
  timestamp: z.string().default('ts'),
  stepSeconds: z.number().int().positive(),
  horizon: z.number().int().positive(),
  timezone: z.string(),
  intervalLabel: z.enum(['end', 'start']).default('end'),
  holidays: z.array(z.string()).default([]),
  stepFeatures: z.number().int().positive(),
  originFeatures: z.number().int().positive(),
  center: z.number(),
  scale: z.number(),
  minHistorySteps: z.number().int().nonnegative(),
  maseScale: z.number().optional(),
});
export type ForecastParams = z.infer<typeof forecastParams>;

export function forecastParamsOf(card: ModelCard): ForecastParams {
  if (card.task !== 'forecast')
    throw new Error(`model ${card.name} ${card.version} is a ${card.task} model, not a forecaster`);
  const parsed = forecastParams.safeParse(card.params);
  if (!parsed.success) {
    throw new Error(
      `model ${card.name} ${card.version}: card params are not a forecaster's: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
