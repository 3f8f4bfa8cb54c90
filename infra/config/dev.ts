import { PLACEHOLDER_BILLING_ACCOUNT, PLACEHOLDER_EMAIL_DOMAIN, type EnvironmentInput } from './schema.js';

/**
 * dev: scale to zero everywhere, data may be destroyed with the environment. Values marked PLACEHOLDER
 * let `npm run infra:synth` work on a fresh machine; set the KILOWATCH_* variables before deploying
 * (KILOWATCH_INFRA_STRICT=1 refuses to synthesize while any placeholder is left).
 */
export const dev: EnvironmentInput = {
  env: 'dev',
  project: 'kilowatch-dev',
  region: 'europe-west1',
  location: 'EU',
  destroyData: true,
  functions: {
    ingest: { memory: '512Mi', cpu: '1', concurrency: 20, minInstances: 0, maxInstances: 5, timeoutSeconds: 60 },
    score: { memory: '1Gi', cpu: '1', concurrency: 8, minInstances: 0, maxInstances: 3, timeoutSeconds: 120 },
    forecast: { memory: '1Gi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 2, timeoutSeconds: 540 },
    notify: { memory: '512Mi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 120 },
    recommend: { memory: '1Gi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 540 },
    rollup: { memory: '512Mi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 540 },
    archive: { memory: '512Mi', cpu: '1', concurrency: 1, minInstances: 0, maxInstances: 1, timeoutSeconds: 540 },
    api: { memory: '512Mi', cpu: '1', concurrency: 40, minInstances: 0, maxInstances: 3, timeoutSeconds: 60 },
    copilot: { memory: '512Mi', cpu: '1', concurrency: 10, minInstances: 0, maxInstances: 2, timeoutSeconds: 300 },
  },
  delivery: { maxDeliveryAttempts: 5, minBackoff: '10s', maxBackoff: '600s', deadLetterRetention: '604800s' },
  storage: { archiveNearlineAfterDays: 30, archiveColdlineAfterDays: 90, archiveArchiveAfterDays: 365 },
  forecastSchedule: '0 * * * *',
  monitoring: {
    notificationEmail: `kilowatch-ops@${PLACEHOLDER_EMAIL_DOMAIN}`, // PLACEHOLDER
    errorRateThreshold: 0.05,
    ingestSilenceMinutes: 30,
    dropSuccessfulPushRequestLogs: false,
  },
  budget: {
    billingAccount: PLACEHOLDER_BILLING_ACCOUNT, // PLACEHOLDER: apply fails until it is a real account
    monthlyUsd: 50,
    thresholds: [0.5, 0.9, 1.0],
  },
};
