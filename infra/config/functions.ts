import type { FunctionName, TopicRole } from '../../shared/config/env.js';
import type { TABLES } from '../../shared/warehouse/schema/tables.js';

export type TableName = (typeof TABLES)[number]['name'];

/**
 * What each deployable function is allowed to touch. The stack turns these capabilities into IAM
 * bindings on the narrowest resource that works (dataset, topic, bucket, secret), never the project,
 * except where Google offers no narrower scope (BigQuery jobs, Vertex AI).
 */
export interface FunctionAccess {
  /** BigQuery dataset role: viewer reads tables, editor also writes rows. */
  readonly dataset?: 'viewer' | 'editor';
  /** Tables the function writes rows to although its dataset role only reads (dataEditor on each table only). */
  readonly writeTables?: readonly TableName[];
  /** roles/bigquery.jobUser on the project: needed to run queries (jobs are project-scoped). */
  readonly queries?: boolean;
  /** Topics the function publishes to (roles/pubsub.publisher on each topic only). */
  readonly publish?: readonly TopicRole[];
  /** Model registry bucket: read the champion, or write new versions. */
  readonly models?: 'read' | 'write';
  /** Archive bucket: write exported partitions (objectCreator: no overwrite, no delete). */
  readonly archive?: boolean;
  /** Archive bucket: read exported files back (objectViewer), as queries on the external table over it need. */
  readonly archiveRead?: boolean;
  /** secretAccessor on the API keys secret. */
  readonly apiKeys?: boolean;
  /** Model registry: write the drift watch's health marks (models/<name>/health.json) and nothing else. */
  readonly modelHealth?: boolean;
  /** secretAccessor on the webhooks secret, mounted as KILOWATCH_WEBHOOKS. */
  readonly webhooks?: boolean;
  /** roles/aiplatform.user on the project: Vertex AI Gemini. */
  readonly vertex?: boolean;
  /** roles/bigquery.dataViewer on the copilot dataset: the copilot_* views guarded SQL runs in. */
  readonly copilotViews?: boolean;
}

export type FunctionTrigger =
  /** Pub/Sub push subscription on the topic, authenticated with OIDC, dead-lettered. */
  | { readonly kind: 'push'; readonly topic: TopicRole }
  /** Plain HTTPS endpoint (REST API, chat); private unless the environment marks it public. */
  | { readonly kind: 'http' };

export interface FunctionSpec {
  readonly description: string;
  readonly trigger: FunctionTrigger;
  readonly access: FunctionAccess;
  /** Repo paths (files or folders) copied next to the build output; the function reads them at runtime. */
  readonly bundle: readonly string[];
  /** State lives in the instance (the notify function's incidents): synth refuses a maxInstances above 1. */
  readonly singleInstance?: boolean;
}

/**
 * Every function kilowatch knows how to deploy. A folder under functions/ is deployed when its name is in
 * FUNCTION_NAMES (shared/config/env.ts); the type below makes a missing entry a compile error, so adding
 * a function is: the folder, the FUNCTION_NAMES entry, and (if it is new) an entry here plus its sizing
 * in infra/config/dev.ts and prod.ts.
 */
export const FUNCTION_CATALOG = {
  ingest: {
    description:
      'Validates, normalises and cleans device readings; writes readings/rejected, publishes clean readings.',
    trigger: { kind: 'push', topic: 'readings' },
    access: { dataset: 'editor', queries: true, publish: ['readingsClean', 'deadLetter'] },
    bundle: ['data/devices.json'],
  },
  score: {
    description:
      'Scores clean readings, and forecasted ones against their forecast, with the champion anomaly model; writes anomaly_scores and alerts, publishes alerts.',
    trigger: { kind: 'push', topic: 'readingsClean' },
    access: { dataset: 'editor', queries: true, publish: ['alerts', 'deadLetter'], models: 'read' },
    bundle: ['models'],
  },
  forecast: {
    description: 'On each forecast tick, forecasts every device metric with the champion model; writes forecasts.',
    trigger: { kind: 'push', topic: 'forecastTick' },
    access: { dataset: 'editor', queries: true, models: 'read' },
    bundle: ['models'],
  },
  notify: {
    description:
      'Turns alerts into incidents (one per episode, storms grouped, auto-resolved, acknowledged by people) and notifies webhooks once per state; writes incidents and notifications.',
    trigger: { kind: 'push', topic: 'alerts' },
    access: { dataset: 'editor', queries: true, publish: ['deadLetter'], webhooks: true },
    bundle: [],
    singleInstance: true,
  },
  recommend: {
    description:
      'Daily operations checks: maintenance recommendations per machine (rules in data) and drift watch per served model; writes recommendations and model_health, publishes model_drift alerts, marks models for retraining.',
    trigger: { kind: 'push', topic: 'maintenanceTick' },
    access: { dataset: 'editor', queries: true, publish: ['alerts'], models: 'read', modelHealth: true },
    bundle: ['data/maintenance-rules.json', 'models'],
  },
  rollup: {
    description:
      'Every 6 hours: hour, day, ISO week and month roll-ups of readings per device and metric (closed buckets, idempotent MERGE, late window); writes the roll-up tables and rollup_runs.',
    trigger: { kind: 'push', topic: 'rollupTick' },
    access: {
      dataset: 'viewer',
      writeTables: ['readings_hourly', 'readings_daily', 'readings_weekly', 'readings_monthly', 'rollup_runs'],
      queries: true,
    },
    bundle: [],
  },
  archive: {
    description:
      'Daily: exports closed months of readings to the archive bucket as Parquet (readings/year=YYYY/month=MM/), verifies them through the external table, records them in archive_exports.',
    trigger: { kind: 'push', topic: 'archiveTick' },
    access: { dataset: 'viewer', writeTables: ['archive_exports'], queries: true, archive: true, archiveRead: true },
    bundle: [],
  },
  api: {
    description:
      "REST API, OpenAPI document and dashboard over the warehouse; writes alert acknowledgements only, and publishes people's incident commands (acknowledge, resolve) on the alerts topic for notify.",
    trigger: { kind: 'http' },
    access: {
      dataset: 'viewer',
      writeTables: ['alert_acks'],
      queries: true,
      models: 'read',
      apiKeys: true,
      publish: ['alerts'],
    },
    // The device registry (devices and their metrics), the committed default estimator, and the built dashboard
    // it serves at / (KILOWATCH_DASHBOARD_DIR's default, relative to the function's folder).
    bundle: ['data/devices.json', 'models', 'dist/dashboard'],
  },
  copilot: {
    description:
      'Energy copilot: Vertex AI Gemini with read-only warehouse tools, guarded SQL on the copilot_* views, procedure search.',
    trigger: { kind: 'http' },
    access: {
      dataset: 'viewer',
      queries: true,
      vertex: true,
      writeTables: ['copilot_turns', 'copilot_calls'],
      copilotViews: true,
    },
    bundle: ['data/procedures', 'data/tariffs', 'data/devices.json'],
  },
} as const satisfies Record<string, FunctionSpec> & Record<FunctionName, FunctionSpec>; // every FunctionName has an entry

export type CatalogName = keyof typeof FUNCTION_CATALOG;
export const CATALOG_NAMES = Object.keys(FUNCTION_CATALOG) as CatalogName[];

export function functionSpec(name: CatalogName): FunctionSpec {
  return FUNCTION_CATALOG[name];
}

export function isCatalogName(name: string): name is CatalogName {
  return Object.hasOwn(FUNCTION_CATALOG, name);
}
