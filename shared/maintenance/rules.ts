import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const URGENCIES = ['hours', 'days', 'weeks', 'none'] as const;
export type Urgency = (typeof URGENCIES)[number];

const rule = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  /** A signal of evidence.ts: a plain name, or `drift_z.<metric>`. */
  signal: z.string().regex(/^[a-z_]+(\.[a-z0-9_]+)?$/),
  op: z.enum(['>=', '<=']),
  value: z.number(),
  risk: z.number().int().min(1).max(3),
  urgency: z.enum(URGENCIES).exclude(['none']),
  action: z.string().min(1).max(500),
  rationale: z.string().min(1).max(1000),
});

export const maintenanceRules = z.strictObject({
  version: z.string().min(1).max(64),
  description: z.string().optional(),
  windows: z.strictObject({
    recentHours: z
      .number()
      .positive()
      .max(24 * 14),
    baselineDays: z.number().positive().max(90),
    /** Fewer baseline values than this: no drift signal (a new or rarely reporting machine). */
    minBaselineValues: z.number().int().positive(),
  }),
  /** Load models of metrics whose residuals give `residual_z.<metric>` and `residual_cusum.<metric>` (residuals.ts). */
  residuals: z
    .strictObject({
      cusumK: z.number().min(0).max(10),
      clipZ: z.number().positive().max(100),
      models: z.array(
        z.strictObject({
          metric: z.string().min(1),
          against: z.string().min(1),
          smoothMinutes: z.number().min(0).max(1440),
          rationale: z.string().min(1).max(1000),
        }),
      ),
    })
    .optional(),
  rules: z.array(rule).min(1),
});
export type MaintenanceRules = z.infer<typeof maintenanceRules>;
export type MaintenanceRule = MaintenanceRules['rules'][number];

export const DEFAULT_RULES_FILE = 'data/maintenance-rules.json';

/** The rules file, validated; a bad one is named with the field and what is accepted. */
export function loadRules(path = DEFAULT_RULES_FILE): MaintenanceRules {
  const parsed = maintenanceRules.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
