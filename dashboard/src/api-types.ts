// Provisional: replaced by types inferred from the API's zod schemas once they land.
export interface Range {
  from?: string;
  to?: string;
}
export type DeviceStatus = 'reporting' | 'silent' | 'faulted';
export interface DeviceView {
  deviceId: string;
  site: string;
  type: string;
  metrics: string[];
  status: DeviceStatus;
  lastReadingAt: string | null;
  openAlerts: number;
  openCriticalAlerts: number;
}
export interface DevicesResponse {
  devices: DeviceView[];
}
export interface SeriesRequest {
  deviceId: string;
  metric: string;
  from: string;
  to: string;
  maxPoints?: number;
}
export interface SeriesPoint {
  ts: string;
  value: number | null;
  status: 'accepted' | 'repaired';
  flags: string[];
  score: number | null;
  isAnomaly: boolean;
}
export interface SeriesResponse {
  deviceId: string;
  metric: string;
  unit?: string;
  downsampled: boolean;
  points: SeriesPoint[];
}
export interface ForecastPoint {
  targetTs: string;
  p10: number;
  p50: number;
  p90: number;
}
export interface ForecastResponse {
  forecast: { origin: string; issuedAt: string; model: string; modelVersion: string; points: ForecastPoint[] } | null;
}
export interface AlertQuery extends Range {
  deviceId?: string;
  severity?: 'info' | 'warning' | 'critical';
  state?: 'open' | 'acknowledged';
  limit?: number;
  cursor?: string;
}
export interface AlertView {
  alertId: string;
  deviceId: string;
  ts: string;
  metric: string | null;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  score: number | null;
  createdAt: string;
  acknowledgement: { by: string; at: string; note: string | null } | null;
}
export interface AlertsResponse {
  items: AlertView[];
  nextCursor: string | null;
}
export interface AckRequest {
  by: string;
  note?: string;
}
export interface DelayStats {
  rows: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}
export interface PipelineCounts {
  stored: { rows: number; byDevice: Record<string, number> };
  rejectedByReason: Record<string, number>;
  scored: number;
  alerts: number;
  storeDelay: DelayStats;
  scoreDelay: DelayStats;
}
export interface HealthResponse {
  lastHour: PipelineCounts;
  lastDay: PipelineCounts;
  deadLetters: number;
  lastReadingByDevice: Record<string, string | null>;
}
export interface ModelView {
  name: string;
  kind: string;
  champion: string | null;
  versions: string[];
  metrics: Record<string, number>;
}
export interface ModelsResponse {
  models: ModelView[];
}
