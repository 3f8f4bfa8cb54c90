import { z } from 'zod';
import { CATALOG_NAMES, type CatalogName } from './functions.js';

/** Marks a value in the committed defaults that must be replaced before a real deploy. */
export const PLACEHOLDER_BILLING_ACCOUNT = '000000-000000-000000';
export const PLACEHOLDER_EMAIL_DOMAIN = 'example.com';

const duration = z.string().regex(/^\d+s$/, 'a duration in seconds, e.g. "600s"');

export const functionSizingSchema = z
  .object({
    /** Cloud Run memory, e.g. 256Mi, 1Gi. */
    memory: z.string().regex(/^\d+(Mi|Gi)$/, 'memory like 256Mi or 1Gi'),
    /** vCPUs; more than one concurrent request needs at least 1. */
    cpu: z.string().regex(/^(0\.\d+|\d+)$/, 'vCPUs like 0.5, 1 or 2'),
    concurrency: z.number().int().min(1).max(1000),
    minInstances: z.number().int().min(0).max(100),
    maxInstances: z.number().int().min(1).max(1000),
    timeoutSeconds: z.number().int().min(1).max(3600),
    /** Grants allUsers run.invoker: only for HTTP functions, only when an endpoint must be reachable without auth. */
    public: z.boolean().default(false),
    /**
     * Principals granted run.invoker on an HTTP function (its callers when it is not public): Google groups,
     * service accounts, users or domains, e.g. group:operators@example.com.
     */
    invokers: z
      .array(
        z
          .string()
          .regex(
            /^(user|group|serviceAccount|domain):[^\s,]+$/,
            'a member like group:ops@example.com or serviceAccount:x@p.iam.gserviceaccount.com',
          ),
      )
      .default([]),
    /**
     * Identity-Aware Proxy in front of an HTTP function (through an HTTPS load balancer made out of band):
     * ingress accepts internal and load-balancer traffic only, and the function trusts IAP's identity header.
     */
    iap: z.boolean().default(false),
  })
  .refine((s) => s.minInstances <= s.maxInstances, { error: 'minInstances must not exceed maxInstances' })
  .refine((s) => s.concurrency === 1 || Number(s.cpu) >= 1, {
    error: 'concurrency above 1 needs cpu of at least 1 (Cloud Run rule)',
  });
export type FunctionSizing = z.infer<typeof functionSizingSchema>;

const functionsSchema = z.object(
  Object.fromEntries(CATALOG_NAMES.map((n) => [n, functionSizingSchema])) as Record<
    CatalogName,
    typeof functionSizingSchema
  >,
);

export const environmentSchema = z.object({
  /** Environment name; suffixes every resource name. Short, because service account ids cap at 30 chars. */
  env: z.string().regex(/^[a-z][a-z0-9]{1,9}$/, '2-10 lowercase letters or digits, starting with a letter'),
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id (6-30 chars)'),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'a Google Cloud region, e.g. europe-west1'),
  /** BigQuery dataset and bucket location (multi-region EU/US or a region). */
  location: z.string().min(2),
  /** Lets terraform destroy the dataset, buckets and tables with their data (dev only). */
  destroyData: z.boolean(),
  functions: functionsSchema,
  delivery: z.object({
    /** Attempts before Pub/Sub moves a message to the dead-letter topic (Pub/Sub allows 5..100). */
    maxDeliveryAttempts: z.number().int().min(5).max(100),
    minBackoff: duration,
    maxBackoff: duration,
    /** How long dead letters stay for inspection and replay. */
    deadLetterRetention: duration,
  }),
  storage: z.object({
    archiveNearlineAfterDays: z.number().int().min(1),
    archiveColdlineAfterDays: z.number().int().min(1),
    archiveArchiveAfterDays: z.number().int().min(1),
  }),
  retention: z
    .object({
      /**
       * Days after which raw `readings` partitions expire (BigQuery partition expiration); absent: kept forever.
       * Set it only once the rollup and archive functions run and have caught up (docs/deploy.md#retention):
       * at least 62 days, so that every month is exported and rolled up well before its first day expires.
       */
      readingsExpiryDays: z.number().int().min(62).max(36_500).optional(),
      /** Hours of late data the roll-ups recompute and the export waits for (KILOWATCH_ROLLUP_LATE_HOURS). */
      lateHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 31)
        .default(48),
    })
    .default({ lateHours: 48 }),
  /** Cron (UTC) for the roll-up tick: each run re-reads the late window, so every 6 hours, not every hour (docs/cost.md). */
  rollupSchedule: z
    .string()
    .regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression')
    .default('17 */6 * * *'),
  /** Cron (UTC) for the archive tick: daily, so a failed monthly export is retried the next day. */
  archiveSchedule: z
    .string()
    .regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression')
    .default('40 3 * * *'),
  /** Gemini model the copilot function asks on Vertex AI (KILOWATCH_LLM_MODEL). */
  copilotModel: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,62}$/, 'a Gemini model id, e.g. gemini-2.5-flash')
    .default('gemini-2.5-flash'),
  /** Cron (UTC) for the forecast tick. */
  forecastSchedule: z.string().regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression'),
  /** Cron (UTC) for the daily maintenance recommendations. */
  maintenanceSchedule: z
    .string()
    .regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression')
    .default('0 5 * * *'),
  /** Cron (UTC) for the notify function's sweep (auto-resolution, notification retries). */
  alertsSweepSchedule: z
    .string()
    .regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression')
    .default('*/5 * * * *'),
  monitoring: z.object({
    notificationEmail: z.email(),
    /** Ratio of 5xx responses over 5 minutes above which a function alerts. */
    errorRateThreshold: z.number().gt(0).lt(1),
    /** Minutes without a published reading or an ingest request before the silence alert fires. */
    ingestSilenceMinutes: z.number().int().min(5).max(1440),
    /** Drop Cloud Run request logs of successful push deliveries (the largest logging cost at scale). */
    dropSuccessfulPushRequestLogs: z.boolean(),
  }),
  budget: z.object({
    /** Billing account id XXXXXX-XXXXXX-XXXXXX; the committed placeholder fails at apply time on purpose. */
    billingAccount: z
      .string()
      .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/i, 'a billing account id XXXXXX-XXXXXX-XXXXXX'),
    monthlyUsd: z.number().positive().max(1_000_000),
    /** Must be the billing account's own currency, or the Budgets API refuses the budget. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('USD'),
    thresholds: z.array(z.number().gt(0).max(2)).min(1),
  }),
  /** Optional keyless onboarding of devices through an OIDC identity provider (workload identity federation). */
  deviceFederation: z
    .object({
      issuerUri: z.url(),
      allowedAudiences: z.array(z.string().min(1)).default([]),
      /** CEL condition on the token, e.g. assertion.sub.startsWith("device:"). */
      attributeCondition: z.string().min(1),
      /** CEL expression of the token's site: a device may act only as the publisher of that site. */
      siteClaim: z.string().min(1).default('assertion.site'),
    })
    .optional(),
  /** Remote state: GCS bucket (created out of band); local state when absent. */
  stateBucket: z.string().min(3).optional(),
});

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type EnvironmentInput = z.input<typeof environmentSchema>;

export function usesPlaceholders(config: EnvironmentConfig): string[] {
  const found: string[] = [];
  if (config.budget.billingAccount === PLACEHOLDER_BILLING_ACCOUNT) {
    found.push('budget.billingAccount is the placeholder: set KILOWATCH_BILLING_ACCOUNT');
  }
  if (config.monitoring.notificationEmail.endsWith(`@${PLACEHOLDER_EMAIL_DOMAIN}`)) {
    found.push('monitoring.notificationEmail is a placeholder: set KILOWATCH_NOTIFICATION_EMAIL');
  }
  return found;
}
