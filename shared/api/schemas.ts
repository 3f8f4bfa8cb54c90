import { z } from '@hono/zod-openapi';
import { INCIDENT_ID_ACCEPTED, INCIDENT_ID_PATTERN } from '../alerting/alert-message.js';
import { INCIDENTS_MAX, parseIncidentStates } from '../alerting/incident-use-cases.js';
import { DEVICE_STATUSES } from '../query/devices.js';
import { INCIDENT_CHANGES, INCIDENT_STATES } from '../warehouse/schema/tables.js';
import { ESTIMATE_MAX_ROWS } from '../query/estimate.js';
import { PAGE_MAX } from '../query/pages.js';
import { SERIES_MAX_POINTS } from '../query/series.js';

/** Request and response schemas of /v1: the handlers' types and the OpenAPI document both come from these. */

const instant = z.iso.datetime({ offset: true }).openapi({ format: 'date-time', example: '2018-06-01T00:00:00Z' });
const timestamp = z.string().openapi({ format: 'date-time', example: '2018-06-01T00:00:00.000Z' });
const severity = z.enum(['info', 'warning', 'critical']);

const range = {
  from: instant.optional().openapi({ description: 'Start of [from, to), RFC 3339 with an offset.' }),
  to: instant.optional().openapi({ description: 'End of [from, to), excluded.' }),
};
const deviceId = z.string().min(1).max(129).openapi({ example: 'steel-plant/main-meter' });
const metric = z.string().min(1).max(64).openapi({ example: 'usage_kwh' });
const page = {
  limit: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: `Rows per page, at most ${PAGE_MAX} (default 100).` }),
  cursor: z
    .string()
    .max(1000)
    .optional()
    .openapi({ description: 'nextCursor of the previous page, with the same filters.' }),
};
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const rangeQuery = z.strictObject(range);
export const seriesQuery = z.strictObject({
  deviceId,
  metric,
  ...range,
  maxPoints: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: `At most ${SERIES_MAX_POINTS} (default 2000).` }),
});
export const forecastQuery = z.strictObject({ deviceId, metric, ...range });
export const scoresQuery = z.strictObject({
  ...range,
  ...page,
  deviceId: deviceId.optional(),
  metric: metric.optional(),
  model: z.string().max(64).optional(),
  signal: z.enum(['value', 'forecast_residual']).optional(),
  anomaliesOnly: bool.optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
});
export const alertsQuery = z.strictObject({
  ...range,
  ...page,
  deviceId: deviceId.optional(),
  metric: metric.optional(),
  kind: z.string().max(64).optional().openapi({ example: 'anomaly' }),
  severity: severity.optional(),
  state: z.enum(['open', 'acknowledged']).optional(),
});
export const incidentsQuery = z.strictObject({
  state: z
    .string()
    .max(100)
    .transform((text, ctx) => {
      const parsed = parseIncidentStates(text);
      if (!('error' in parsed)) return parsed;
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    })
    .optional()
    .openapi({
      description: `Comma-separated states: ${INCIDENT_STATES.join(', ')} (default all).`,
      example: 'open,acknowledged',
    }),
  deviceId: deviceId.optional().openapi({ description: 'Only this device; a storm is <site>/*.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(INCIDENTS_MAX)
    .optional()
    .openapi({ description: `At most ${INCIDENTS_MAX} (default 100).` }),
});
export const incidentParams = z.strictObject({
  incidentId: z
    .string()
    .regex(INCIDENT_ID_PATTERN, `expected ${INCIDENT_ID_ACCEPTED}`)
    .openapi({ example: '0f3c9a1e5b7d4c2a8e6f1b3d5a7c9e0f' }),
});
export const incidentCommandBody = z
  .strictObject({
    by: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .openapi({ description: 'Who does it; behind IAP the authenticated identity takes precedence.' }),
  })
  .openapi('IncidentCommandRequest');
export const healthQuery = z.strictObject({
  readingsSince: instant.optional().openapi({ description: 'Oldest reading time counted (default: 7 days ago).' }),
});
export const alertParams = z.strictObject({ alertId: z.string().min(1).max(200) });
export const ackBody = z
  .strictObject({
    by: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'Who acknowledges; an authenticated caller identity takes precedence.' }),
    note: z.string().max(2000).optional(),
    ts: instant
      .optional()
      .openapi({ description: "The alert's time, as listed: the lookup then reads one partition." }),
  })
  .openapi('AcknowledgeRequest');
const reading = z.number().nullable();
export const estimateBody = z
  .strictObject({
    model: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,63}$/)
      .optional()
      .openapi({ description: 'Estimator name (default steel-estimate).' }),
    rows: z
      .array(
        z.strictObject({
          ts: instant.openapi({ description: 'End of the interval.' }),
          laggingKvarh: reading,
          laggingPf: reading,
          leadingKvarh: reading,
          leadingPf: reading,
          co2: reading.optional(),
        }),
      )
      .min(1)
      .openapi({ description: `At most ${ESTIMATE_MAX_ROWS} rows.` }),
  })
  .openapi('EstimateRequest');

const rangeOut = { from: timestamp, to: timestamp };

export const deviceSchema = z
  .object({
    deviceId: z.string(),
    site: z.string(),
    type: z.string(),
    timezone: z.string(),
    intervalSeconds: z.number(),
    metrics: z.array(z.object({ name: z.string(), unit: z.string() })),
    status: z.enum(DEVICE_STATUSES),
    lastReadingAt: timestamp.nullable(),
    lastStoredAt: timestamp.nullable(),
    lastFlags: z.array(z.string()),
    readings: z.number().int(),
    openAlerts: z.number().int(),
    openCriticalAlerts: z.number().int(),
  })
  .openapi('Device');
export const devicesResponse = z.object({ ...rangeOut, devices: z.array(deviceSchema) }).openapi('Devices');

export const pointSchema = z
  .object({
    ts: timestamp,
    value: z.number().nullable(),
    status: z.enum(['accepted', 'repaired']),
    flags: z.array(z.string()),
    score: z.number().nullable(),
    isAnomaly: z.boolean(),
  })
  .openapi('SeriesPoint');
export const seriesResponse = z
  .object({
    deviceId: z.string(),
    metric: z.string(),
    unit: z.string(),
    ...rangeOut,
    totalPoints: z.number().int(),
    downsampling: z.object({ method: z.literal('m4'), buckets: z.number().int() }).nullable(),
    points: z.array(pointSchema),
  })
  .openapi('Series');

const forecastSchema = z
  .object({
    deviceId: z.string(),
    metric: z.string(),
    unit: z.string(),
    origin: timestamp,
    issuedAt: timestamp,
    model: z.string(),
    modelVersion: z.string(),
    points: z.array(z.object({ targetTs: timestamp, p10: z.number(), p50: z.number(), p90: z.number() })),
  })
  .openapi('Forecast');
export const forecastResponse = z
  .object({
    ...rangeOut,
    forecast: forecastSchema.nullable().openapi({ description: 'null: no forecast has targets in the range.' }),
  })
  .openapi('LatestForecast');

export const scoreSchema = z
  .object({
    scoreId: z.string(),
    readingId: z.string(),
    deviceId: z.string(),
    ts: timestamp,
    metric: z.string().nullable(),
    model: z.string(),
    modelVersion: z.string(),
    signal: z.enum(['value', 'forecast_residual']),
    score: z.number(),
    threshold: z.number(),
    isAnomaly: z.boolean(),
    scoredAt: timestamp,
  })
  .openapi('AnomalyScore');
const listing = <T extends z.ZodType>(item: T) =>
  z.object({ ...rangeOut, items: z.array(item), nextCursor: z.string().nullable() });
export const scoresResponse = listing(scoreSchema).openapi('AnomalyScores');

export const alertSchema = z
  .object({
    alertId: z.string(),
    deviceId: z.string(),
    ts: timestamp,
    metric: z.string().nullable(),
    kind: z.string(),
    severity,
    message: z.string(),
    score: z.number().nullable(),
    createdAt: timestamp,
    acknowledgement: z.object({ by: z.string(), at: timestamp, note: z.string().nullable() }).nullable(),
  })
  .openapi('Alert');
export const alertsResponse = listing(alertSchema).openapi('Alerts');

export const incidentSchema = z
  .object({
    incidentId: z.string(),
    state: z.enum(INCIDENT_STATES),
    change: z.enum(INCIDENT_CHANGES).openapi({ description: 'The latest change.' }),
    version: z.number().int(),
    deviceId: z.string().openapi({ description: 'The device; <site>/* for a storm.' }),
    metric: z.string().nullable(),
    kind: z.string().openapi({
      description: 'anomaly, forecast_breach, silent, …; storm or storm:<kind> for many devices of a site at once.',
    }),
    severity,
    devices: z.array(z.string()).openapi({ description: 'Devices involved (a storm names each).' }),
    metrics: z.array(z.string()),
    anomalies: z.number().int(),
    peakScore: z.number(),
    message: z.string(),
    openedAt: timestamp,
    lastSeenAt: timestamp,
    changedAt: timestamp,
    changedBy: z.string().openapi({ description: 'Who made the latest change: a person, or kilowatch.' }),
    resolvedAt: timestamp.nullable(),
    groupId: z.string().nullable().openapi({ description: 'The storm incident this one was folded into.' }),
  })
  .openapi('Incident');
export const incidentsResponse = z
  .object({
    changedSince: timestamp.openapi({ description: 'Besides the open and acknowledged ones: changed since then.' }),
    items: z.array(incidentSchema),
  })
  .openapi('Incidents');
export const incidentCommandResponse = z
  .object({
    command: z.enum(['acknowledge', 'resolve']),
    incidentId: z.string(),
    by: z.string(),
    messageId: z.string().openapi({ description: 'The message on the alerts topic.' }),
    stateBefore: z.enum(INCIDENT_STATES),
  })
  .openapi('IncidentCommandSent');

export const estimateResponse = z
  .object({
    model: z.string(),
    modelVersion: z.string(),
    estimates: z.array(
      z.object({
        ts: timestamp,
        estimateKwh: z.number().nullable(),
        status: z
          .enum(['ok', 'inconsistent', 'none'])
          .openapi({ description: 'none: no usable reading; inconsistent: physics formula alone.' }),
      }),
    ),
  })
  .openapi('Estimates');

const modelVersion = z.object({
  version: z.string(),
  task: z.string().nullable(),
  algorithm: z.string().nullable(),
  createdAt: z.string().nullable(),
  metrics: z.unknown(),
});
export const modelsResponse = z
  .object({
    ...rangeOut,
    models: z.array(
      z.object({
        name: z.string(),
        champion: modelVersion.extend({ source: z.enum(['registry', 'committed']) }).nullable(),
        versions: z.array(modelVersion),
        activity: z.array(
          z.object({
            model: z.string(),
            modelVersion: z.string(),
            table: z.enum(['anomaly_scores', 'forecasts']),
            rows: z.number(),
            lastAt: timestamp,
          }),
        ),
      }),
    ),
  })
  .openapi('Models');

const delay = z.object({
  rows: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
});
const counts = z.object({
  stored: z.object({ rows: z.number(), byDevice: z.record(z.string(), z.number()) }),
  rejectedByReason: z.record(z.string(), z.number()),
  scored: z.number(),
  alerts: z.number(),
  storeDelay: delay.openapi({ description: "From a reading's time to its storage." }),
  scoreDelay: delay.openapi({ description: "From a reading's time to its score." }),
});
const copilotUsage = z.object({
  calls: z.number(),
  modelCalls: z.number(),
  toolCalls: z.number(),
  errors: z.number().openapi({ description: 'Calls that failed or were refused.' }),
  tokensIn: z.number(),
  tokensOut: z.number(),
  estimatedCostUsd: z.number().openapi({ description: 'From the configured token prices; 0 for local models.' }),
  latency: delay.openapi({ description: 'Call latency over every model and tool call.' }),
});
export const healthResponse = z
  .object({
    at: timestamp,
    readingsSince: timestamp,
    lastHour: counts,
    lastDay: counts,
    deadLetters: z.number().nullable(),
    copilot: z
      .object({ lastHour: copilotUsage, lastDay: copilotUsage })
      .openapi({ description: "The copilot's model and tool calls (copilot_calls) started in the window." }),
    devices: z.array(deviceSchema.pick({ deviceId: true, status: true, lastReadingAt: true, lastStoredAt: true })),
  })
  .openapi('PipelineHealth');
