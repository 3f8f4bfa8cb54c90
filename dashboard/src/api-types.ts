/**
 * The API's request and response types, inferred from the zod schemas the api function validates with and
 * documents (shared/api/schemas.ts). Type-only: nothing of zod reaches the bundle.
 */
import type { z } from '@hono/zod-openapi';
import type * as S from '../../shared/api/schemas.js';

export type Range = z.output<typeof S.rangeQuery>;
export type DevicesResponse = z.output<typeof S.devicesResponse>;
export type DeviceView = DevicesResponse['devices'][number];
export type DeviceStatus = DeviceView['status'];
export type SeriesRequest = z.output<typeof S.seriesQuery>;
export type SeriesResponse = z.output<typeof S.seriesResponse>;
export type SeriesPoint = SeriesResponse['points'][number];
export type LatestForecastResponse = z.output<typeof S.forecastResponse>;
export type ForecastRun = NonNullable<LatestForecastResponse['forecast']>;
export type ForecastPoint = ForecastRun['points'][number];
export type AlertQuery = z.output<typeof S.alertsQuery>;
export type AlertsResponse = z.output<typeof S.alertsResponse>;
export type AlertView = AlertsResponse['items'][number];
export type AckRequest = z.output<typeof S.ackBody>;
/** The query as sent (state: comma-separated states). */
export type IncidentQuery = Omit<z.input<typeof S.incidentsQuery>, 'limit'> & { limit?: number };
export type IncidentsResponse = z.output<typeof S.incidentsResponse>;
export type IncidentView = IncidentsResponse['items'][number];
export type IncidentCommand = z.output<typeof S.incidentCommandResponse>['command'];
export type IncidentCommandSent = z.output<typeof S.incidentCommandResponse>;
export type HealthResponse = z.output<typeof S.healthResponse>;
export type PipelineCounts = HealthResponse['lastDay'];
export type DelayStats = PipelineCounts['storeDelay'];
export type CopilotUsage = HealthResponse['copilot']['lastDay'];
export type ModelsResponse = z.output<typeof S.modelsResponse>;
export type ModelView = ModelsResponse['models'][number];
