import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from './problem.js';
import * as s from './schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const noQuery = z.strictObject({});
const reads = problemResponses(400, 422, 429, 503);

function incidentCommand<C extends 'acknowledge' | 'resolve'>(command: C, summary: string) {
  return createRoute({
    method: 'post',
    path: `/v1/incidents/{incidentId}/${command}`,
    tags: ['incidents'],
    summary,
    description:
      'Publishes the command on the alerts topic and answers 202: the notify function that owns the incidents applies it in ' +
      'order with the anomalies; GET /v1/incidents shows the new state once applied. 404 when no open or acknowledged incident has the id.',
    request: {
      params: s.incidentParams,
      query: noQuery,
      body: { content: { 'application/json': { schema: s.incidentCommandBody } }, required: true },
    },
    responses: {
      202: json(s.incidentCommandResponse, 'The command, sent'),
      ...problemResponses(400, 404, 413, 429, 503),
    },
  });
}

/** Every /v1 route: method, path, inputs and outputs, from which the OpenAPI 3.1 document is generated. */
export const routes = {
  devices: createRoute({
    method: 'get',
    path: '/v1/devices',
    tags: ['devices'],
    summary: 'Registered devices with last reading, status (reporting, silent, faulted) and open alerts',
    description: 'Activity over [from, to), default the last 30 days (at most 3660).',
    request: { query: s.rangeQuery },
    responses: { 200: json(s.devicesResponse, 'Devices'), ...reads },
  }),
  series: createRoute({
    method: 'get',
    path: '/v1/series',
    tags: ['series'],
    summary: "One device's metric over [from, to) with cleaning flags and anomaly scores",
    description:
      'Default range: the last day; at most 400 days. Every reading when there are at most maxPoints, else M4 downsampling ' +
      '(first, last, lowest, highest reading per time bucket) that keeps every flagged or anomalous reading; 422 when those alone exceed maxPoints.',
    request: { query: s.seriesQuery },
    responses: { 200: json(s.seriesResponse, 'Series'), ...problemResponses(400, 404, 422, 429, 503) },
  }),
  forecast: createRoute({
    method: 'get',
    path: '/v1/forecasts/latest',
    tags: ['forecasts'],
    summary: 'The latest forecast of a series (p10, p50, p90) and its model version',
    description:
      'The forecast of the latest origin with targets in [from, to), null when none; default from a day ago to a week ahead.',
    request: { query: s.forecastQuery },
    responses: { 200: json(s.forecastResponse, 'Forecast'), ...problemResponses(400, 404, 422, 429, 503) },
  }),
  scores: createRoute({
    method: 'get',
    path: '/v1/anomaly-scores',
    tags: ['anomalies'],
    summary: 'Anomaly scores, newest first, filtered, with cursor pagination',
    description: 'Default range: the last 7 days; at most 400.',
    request: { query: s.scoresQuery },
    responses: { 200: json(s.scoresResponse, 'A page of scores'), ...reads },
  }),
  alerts: createRoute({
    method: 'get',
    path: '/v1/alerts',
    tags: ['anomalies'],
    summary: 'Alerts, newest first, with their latest acknowledgement and cursor pagination',
    description: 'Default range: the last 7 days; at most 400.',
    request: { query: s.alertsQuery },
    responses: { 200: json(s.alertsResponse, 'A page of alerts'), ...reads },
  }),
  acknowledge: createRoute({
    method: 'post',
    path: '/v1/alerts/{alertId}/ack',
    tags: ['anomalies'],
    summary: 'Acknowledge an alert (who, when, note), stored in the warehouse',
    request: {
      params: s.alertParams,
      query: noQuery,
      body: { content: { 'application/json': { schema: s.ackBody } }, required: true },
    },
    responses: {
      200: json(s.alertSchema, 'The alert with its acknowledgement'),
      ...problemResponses(400, 404, 413, 429, 503),
    },
  }),
  incidents: createRoute({
    method: 'get',
    path: '/v1/incidents',
    tags: ['incidents'],
    summary: 'Incidents (what operators are paged about): open or acknowledged, and those changed in the last 7 days',
    description:
      'The latest state of each incident, newest change first: one per (device, metric, kind) episode, one per storm of a site. ' +
      'The same list as `kilowatch alerts list`.',
    request: { query: s.incidentsQuery },
    responses: { 200: json(s.incidentsResponse, 'Incidents'), ...reads },
  }),
  acknowledgeIncident: incidentCommand(
    'acknowledge',
    'Take an open incident: the notify function records who and when, and notifies',
  ),
  resolveIncident: incidentCommand(
    'resolve',
    'Close an open or acknowledged incident; its cooldown starts when applied',
  ),
  estimate: createRoute({
    method: 'post',
    path: '/v1/estimate',
    tags: ['models'],
    summary: 'Energy of intervals from their electrical readings, with the champion estimator',
    request: { query: noQuery, body: { content: { 'application/json': { schema: s.estimateBody } }, required: true } },
    responses: {
      200: json(s.estimateResponse, 'Estimates in request order'),
      ...problemResponses(400, 404, 413, 422, 429, 503),
    },
  }),
  models: createRoute({
    method: 'get',
    path: '/v1/models',
    tags: ['models'],
    summary: 'Each model: champion with its card metrics, versions, and what the versions wrote over [from, to)',
    request: { query: s.rangeQuery },
    responses: { 200: json(s.modelsResponse, 'Models'), ...reads },
  }),
  health: createRoute({
    method: 'get',
    path: '/v1/health/pipeline',
    tags: ['health'],
    summary:
      'Rows stored and rejected (by reason) over the last hour and day, dead letters, delays, last reading per device',
    request: { query: s.healthQuery },
    responses: { 200: json(s.healthResponse, 'Pipeline health'), ...reads },
  }),
};
