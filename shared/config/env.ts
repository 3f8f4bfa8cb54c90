import { z } from 'zod';
import { forecastTargets } from '../forecast/targets.js';

/** Names of the deployable functions; infra creates one Cloud Run function per entry. */
export const FUNCTION_NAMES = [
  'ingest',
  'score',
  'forecast',
  'api',
  'copilot',
  'notify',
  'recommend',
  'rollup',
  'archive',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Pub/Sub topics, by role; the names are suffixed with the environment in the cloud. */
export const TOPICS = {
  readings: 'readings',
  readingsClean: 'readings-clean',
  alerts: 'alerts',
  forecastTick: 'forecast-tick',
  maintenanceTick: 'maintenance-tick',
  rollupTick: 'rollup-tick',
  archiveTick: 'archive-tick',
  deadLetter: 'readings-dead-letter',
} as const;
export type TopicRole = keyof typeof TOPICS;

/**
 * Topics whose push subscriptions deliver in order per ordering key (one message of a key at a time).
 * Keys are device ids: the ingest function keys readings-clean so the scorer steps a device's series in
 * time order; devices may key their readings the same way.
 */
export const ORDERED_TOPICS: readonly TopicRole[] = ['readings', 'readingsClean'];

/** Pub/Sub push events reaching a Cloud Run function are capped at 512 KB; stay well below. */
export const PUBSUB_EVENT_LIMIT_BYTES = 512 * 1024;

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  KILOWATCH_BACKEND: z.enum(['local', 'gcp']).default('local'),
  KILOWATCH_ENV: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,15}$/, 'lowercase letters, digits and dashes')
    .default('dev'),
  KILOWATCH_DATA_DIR: z.string().min(1).default('.kilowatch'),
  KILOWATCH_DEVICES_FILE: z.string().min(1).default('data/devices.json'),
  KILOWATCH_MAX_BATCH: positiveInt.max(5000).default(1000),
  KILOWATCH_MAX_MESSAGE_BYTES: positiveInt.max(PUBSUB_EVENT_LIMIT_BYTES - 16 * 1024).default(480 * 1024),
  KILOWATCH_FUTURE_TOLERANCE_S: positiveInt.default(300),
  KILOWATCH_FUTURE_REJECT_S: positiveInt.default(86_400),
  KILOWATCH_HISTORY_POINTS: positiveInt.max(10_000).default(96),
  /** Days a cold instance looks back for a device's history; 0 = no bound. Default: 14 on gcp, 0 locally. */
  KILOWATCH_HISTORY_LOOKBACK_DAYS: z.coerce.number().nonnegative().optional(),
  KILOWATCH_LOCAL_PORT: positiveInt.max(65_535).default(8080),
  /** Local router flow control: deliveries (and their bytes) waiting before device publishes get 429 RESOURCE_EXHAUSTED. */
  KILOWATCH_ROUTER_MAX_BACKLOG: positiveInt.default(5_000),
  KILOWATCH_ROUTER_MAX_BACKLOG_BYTES: positiveInt.default(64 * 1024 * 1024),
  /** ingest: rows stored by concurrent messages within this many ms go to readings-clean together (0: one publish per message). */
  KILOWATCH_CLEAN_BATCH_MS: z.coerce.number().int().nonnegative().max(1_000).default(10),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  KILOWATCH_BQ_DATASET: z
    .string()
    .regex(/^\w{1,1024}$/, 'letters, digits and underscores')
    .default('kilowatch'),
  KILOWATCH_BQ_LOCATION: z.string().default('EU'),
  /** Override endpoints: tests point the real client libraries at local servers speaking the same protocol. */
  BIGQUERY_API_ENDPOINT: z.url().optional(),
  PUBSUB_API_ENDPOINT: z.string().min(1).optional(),
  /** Model registry: a Cloud Storage bucket when KILOWATCH_BACKEND=gcp, this folder locally (same key layout). */
  KILOWATCH_MODELS_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a Cloud Storage bucket name')
    .optional(),
  KILOWATCH_REGISTRY_DIR: z.string().min(1).default('.kilowatch/registry'),
  /** Committed default models (models/<name>/card.json + model.onnx), served when the registry has no champion. */
  KILOWATCH_MODELS_DIR: z.string().min(1).default('models'),
  /** Where downloaded model versions are kept; default <KILOWATCH_DATA_DIR>/model-cache locally, the temp dir in the cloud. */
  KILOWATCH_MODEL_CACHE_DIR: z.string().min(1).optional(),
  /** How often a serving process re-reads a model's champion pointer, in seconds. */
  KILOWATCH_CHAMPION_REFRESH_S: positiveInt.default(60),
  /** Anomaly model the score function serves to every (device, metric) series: a streaming univariate detector. */
  KILOWATCH_SCORE_MODEL: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,63}$/, 'a model name')
    .default('stream-univariate'),
  /** Series the forecast function forecasts on each tick: `<deviceId>:<metric>=<model>`, comma-separated. */
  KILOWATCH_FORECAST_TARGETS: forecastTargets.default([
    { deviceId: 'steel-plant/main-meter', metric: 'usage_kwh', model: 'steel-forecast' },
  ]),
  STORAGE_API_ENDPOINT: z.url().optional(),
  /** Alert lifecycle (shared/alerting): an incident resolves itself after this long of scored, normal values. */
  KILOWATCH_ALERT_RESOLVE_AFTER_MIN: positiveInt.max(10_080).default(30),
  /** After a resolution, anomalies of the same (device, metric, kind) raise nothing for this long. */
  KILOWATCH_ALERT_COOLDOWN_MIN: z.coerce.number().int().min(0).max(10_080).default(30),
  /** Storm control: this many devices of one site opening incidents within the window make one site-wide incident. */
  KILOWATCH_ALERT_STORM_DEVICES: z.coerce.number().int().min(2).max(10_000).default(3),
  KILOWATCH_ALERT_STORM_WINDOW_MIN: positiveInt.max(1440).default(10),
  /**
   * A device incident's notifications wait this long (data or wall time, whichever passes first) for its site's
   * neighbours: a storm forming meanwhile is notified alone (Alertmanager's group_wait). 0: no wait.
   */
  KILOWATCH_ALERT_GROUP_WAIT_MIN: z.coerce.number().int().min(0).max(60).default(2),
  /**
   * Data outage: on each sweep, a device whose newest stored reading is older than this (wall time) opens a
   * `silent` incident (storm control groups a site's into one `storm:silent`). Devices silent for over 7 days are
   * not watched (decommissioned or gone). 0: off.
   */
  KILOWATCH_ALERT_SILENT_AFTER_MIN: z.coerce.number().int().min(0).max(10_080).default(15),
  /**
   * Notification channels, comma-separated `<format>=<target>`: format json (generic) or chat (Slack/Teams
   * incoming-webhook body); target an http(s) URL or file:<path> (JSON lines). In the cloud it comes from
   * Secret Manager (infra mounts the webhooks secret into this variable).
   */
  KILOWATCH_WEBHOOKS: z.string().default(''),
  /** The same list in a file (one channel per line), for URLs kept out of the environment. */
  KILOWATCH_WEBHOOKS_FILE: z.string().min(1).optional(),
  /** Roll-ups and the monthly export: closed buckets (months) this recent are recomputed (waited for): late data counts. */
  KILOWATCH_ROLLUP_LATE_HOURS: positiveInt.max(24 * 31).default(48),
  /** Longest range one roll-up level recomputes in one run, in days: a first run over a long history goes in steps. */
  KILOWATCH_ROLLUP_MAX_DAYS: positiveInt.max(3660).default(92),
  /** Cloud Storage bucket the archive function exports closed months of readings to (Parquet, hive layout). */
  KILOWATCH_ARCHIVE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a Cloud Storage bucket name')
    .optional(),
  /** Maintenance rules and thresholds, with their rationale (kilowatch recommend, the recommend function). */
  KILOWATCH_MAINTENANCE_RULES_FILE: z.string().min(1).default('data/maintenance-rules.json'),
  /** Delivery attempts per notification before it goes to the dead-letter sink. */
  KILOWATCH_NOTIFY_MAX_ATTEMPTS: positiveInt.max(100).default(5),
  /** The copilot's model: a local Ollama, Vertex AI Gemini, or none (POST /v1/ask answers 503). */
  KILOWATCH_LLM: z.enum(['ollama', 'vertex', 'none']).default('none'),
  /** Model name: an Ollama tag (e.g. qwen3:8b) or a Gemini model id (e.g. gemini-2.5-flash). */
  KILOWATCH_LLM_MODEL: z.string().min(1).optional(),
  /** Context the model is asked to keep (Ollama options.num_ctx); histories are cut to fit it. */
  KILOWATCH_LLM_NUM_CTX: positiveInt.min(2048).default(16_384),
  /** Embedding model for hybrid procedure search (Ollama /api/embed or Vertex AI); BM25 alone when unset. */
  KILOWATCH_LLM_EMBED_MODEL: z.string().min(1).optional(),
  OLLAMA_HOST: z.url().default('http://127.0.0.1:11434'),
  /** Vertex AI region of the Gemini endpoint. */
  KILOWATCH_VERTEX_LOCATION: z.string().min(1).default('global'),
  VERTEX_API_ENDPOINT: z.url().optional(),
  /** Procedures the copilot searches: this folder locally, procedures/ in KILOWATCH_DOCS_BUCKET in the cloud. */
  KILOWATCH_PROCEDURES_DIR: z.string().min(1).default('data/procedures'),
  KILOWATCH_DOCS_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a Cloud Storage bucket name')
    .optional(),
  /** Copilot budgets: tool calls and model tokens per request, questions a minute per caller (and burst), tokens a day. */
  KILOWATCH_COPILOT_MAX_TOOL_CALLS: positiveInt.max(32).default(8),
  KILOWATCH_COPILOT_MAX_TOKENS: positiveInt.default(60_000),
  KILOWATCH_COPILOT_RATE_PER_MIN: positiveInt.default(10),
  KILOWATCH_COPILOT_BURST: positiveInt.default(5),
  KILOWATCH_COPILOT_DAILY_TOKENS: positiveInt.default(2_000_000),
  /** US dollars per million input and output tokens, for copilot_calls.estimated_cost_usd (0: a local model). */
  KILOWATCH_LLM_PRICE_IN_PER_MTOK: z.coerce.number().nonnegative().default(0),
  KILOWATCH_LLM_PRICE_OUT_PER_MTOK: z.coerce.number().nonnegative().default(0),
  /** Per-site tariff files (<site>.json) the what-if tools price with. */
  KILOWATCH_TARIFFS_DIR: z.string().min(1).default('data/tariffs'),
  /** BigQuery dataset of the copilot_* views, the only data the copilot's identity can read; default <dataset>_copilot. */
  KILOWATCH_COPILOT_DATASET: z
    .string()
    .regex(/^\w{1,1024}$/, 'letters, digits and underscores')
    .optional(),
  /** Guarded SQL: rows returned at most (LIMIT clamp), bytes a BigQuery query may read, time it may run. */
  KILOWATCH_SQL_MAX_ROWS: positiveInt.max(10_000).default(200),
  KILOWATCH_SQL_MAX_BYTES: positiveInt.default(1_000_000_000),
  KILOWATCH_SQL_TIMEOUT_MS: positiveInt.default(20_000),
  /** api function: requests a second per client (token bucket) and the burst it may make at once; 429 beyond. */
  KILOWATCH_API_RATE_PER_S: z.coerce.number().positive().default(50),
  KILOWATCH_API_BURST: positiveInt.default(200),
  /** api function: largest request body (an estimate batch of 10,000 rows is about 1.2 MB). */
  KILOWATCH_API_MAX_BODY_BYTES: positiveInt.max(32 * 1024 * 1024).default(4 * 1024 * 1024),
  /** api function on BigQuery: bytes a read query may bill (maximumBytesBilled) and how long it may take. */
  KILOWATCH_API_MAX_BYTES_BILLED: positiveInt.default(1_000_000_000),
  KILOWATCH_API_QUERY_TIMEOUT_MS: positiveInt.max(600_000).default(10_000),
  /**
   * api function: remember read answers per warehouse version (locally: until the next committed write; on
   * BigQuery: for KILOWATCH_API_CACHE_TTL_S seconds). Off measures the warehouse alone.
   */
  KILOWATCH_API_CACHE: z.stringbool().default(true),
  KILOWATCH_API_CACHE_TTL_S: positiveInt.max(3600).default(30),
  /** api function: record acknowledgements under the identity Identity-Aware Proxy asserts (set only behind IAP). */
  KILOWATCH_API_TRUST_IAP: z.stringbool().default(false),
  /**
   * copilot function: take the asker from the x-goog-authenticated-user-email header the api forwards from IAP.
   * Only where the copilot is private and the api behind IAP is its caller (infra sets it): anyone else could
   * name a new identity per request and escape the per-caller rate limit and token budget.
   */
  KILOWATCH_COPILOT_TRUST_IAP: z.stringbool().default(false),
  /** api function: the copilot function it forwards the dashboard's POST /copilot/v1/ask to (locally npm start sets it). */
  KILOWATCH_COPILOT_URL: z.url().optional(),
  /** Built dashboard the api function serves at / (npm run build:dashboard). */
  KILOWATCH_DASHBOARD_DIR: z.string().min(1).default('dist/dashboard'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** json: Cloud Logging's structured lines (default on Cloud Run and with the gcp backend); pretty: one readable line each. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export type Config = z.infer<typeof configSchema>;

/** Reads and validates the environment once; a bad variable fails fast, naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.KILOWATCH_BACKEND === 'gcp' && !config.GOOGLE_CLOUD_PROJECT) {
    throw new Error('invalid configuration:\n  GOOGLE_CLOUD_PROJECT: required when KILOWATCH_BACKEND=gcp');
  }
  if (config.KILOWATCH_LLM === 'vertex' && !config.GOOGLE_CLOUD_PROJECT) {
    throw new Error('invalid configuration:\n  GOOGLE_CLOUD_PROJECT: required when KILOWATCH_LLM=vertex');
  }
  if (config.KILOWATCH_LLM !== 'none' && !config.KILOWATCH_LLM_MODEL) {
    throw new Error(
      `invalid configuration:\n  KILOWATCH_LLM_MODEL: required when KILOWATCH_LLM=${config.KILOWATCH_LLM} (e.g. qwen3:8b for ollama, gemini-2.5-flash for vertex)`,
    );
  }
  return config;
}

/** Port of the copilot function locally: the fifth after the router (8085 by default). */
export function copilotLocalPort(config: Config): number {
  return config.KILOWATCH_LOCAL_PORT + 5;
}

export function copilotDataset(config: Config): string {
  return config.KILOWATCH_COPILOT_DATASET ?? `${config.KILOWATCH_BQ_DATASET}_copilot`;
}

export function historyLookbackMs(config: Config): number {
  const days = config.KILOWATCH_HISTORY_LOOKBACK_DAYS ?? (config.KILOWATCH_BACKEND === 'gcp' ? 14 : 0);
  return days * 86_400_000;
}

/** Topic name as deployed: suffixed with the environment in the cloud, plain locally. */
export function topicName(config: Pick<Config, 'KILOWATCH_BACKEND' | 'KILOWATCH_ENV'>, role: TopicRole): string {
  return config.KILOWATCH_BACKEND === 'gcp' ? `${TOPICS[role]}-${config.KILOWATCH_ENV}` : TOPICS[role];
}

/** A site's own readings topic, `readings.<site>[-<env>]`: only the site's devices may publish there. */
export function siteTopicName(config: Pick<Config, 'KILOWATCH_BACKEND' | 'KILOWATCH_ENV'>, site: string): string {
  return config.KILOWATCH_BACKEND === 'gcp'
    ? `${TOPICS.readings}.${site}-${config.KILOWATCH_ENV}`
    : `${TOPICS.readings}.${site}`;
}
