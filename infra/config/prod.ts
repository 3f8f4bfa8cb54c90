import { PLACEHOLDER_BILLING_ACCOUNT, PLACEHOLDER_EMAIL_DOMAIN, type EnvironmentInput } from './schema.js';

/**
 * prod: one warm ingest instance (no cold start on the hot path), more headroom, data survives
 * `terraform destroy` (deletion protection on tables, buckets not force-destroyed). Same placeholders as dev.
 */
export const prod: EnvironmentInput = {
  env: 'prod',
  project: 'kilowatch-prod',
  region: 'europe-west1',
  location: 'EU',
  destroyData: false,
  functions: {
    ingest: { memory: '512Mi', cpu: '1', concurrency: 40, minInstances: 1, maxInstances: 20, timeoutSeconds: 60 },
    score: { memory: '1Gi', cpu: '1', concurrency: 8, minInstances: 0, maxInstances: 10, timeoutSeconds: 120 },
    forecast: { memory: '2Gi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 4, timeoutSeconds: 540 },
    notify: { memory: '512Mi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 120 },
    recommend: { memory: '1Gi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 540 },
    rollup: { memory: '512Mi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 540 },
    archive: { memory: '512Mi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 540 },
    api: { memory: '512Mi', cpu: '1', concurrency: 40, minInstances: 0, maxInstances: 10, timeoutSeconds: 60 },
    copilot: { memory: '512Mi', cpu: '1', concurrency: 10, minInstances: 0, maxInstances: 4, timeoutSeconds: 300 },
  },
  delivery: { maxDeliveryAttempts: 10, minBackoff: '10s', maxBackoff: '600s', deadLetterRetention: '604800s' },
  storage: { archiveNearlineAfterDays: 30, archiveColdlineAfterDays: 90, archiveArchiveAfterDays: 365 },
  forecastSchedule: '0 * * * *',
  monitoring: {
    notificationEmail: `kilowatch-ops@${PLACEHOLDER_EMAIL_DOMAIN}`, // PLACEHOLDER
    errorRateThreshold: 0.02,
    ingestSilenceMinutes: 15,
    dropSuccessfulPushRequestLogs: true,
  },
  budget: {
    billingAccount: PLACEHOLDER_BILLING_ACCOUNT, // PLACEHOLDER
    monthlyUsd: 50,
    thresholds: [0.5, 0.9, 1.0],
  },
};
