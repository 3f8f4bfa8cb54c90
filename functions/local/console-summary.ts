import type { Stats } from '../../shared/stats/warehouse-stats.js';
import { log, logFormat } from '../../shared/log/logger.js';

/** Something `npm start` serves; the summary lists them, so a new local function adds its entry here. */
export interface LocalEndpoint {
  readonly name: string;
  readonly url: string;
  readonly what: string;
}

export function localEndpoints(stack: {
  routerPort: number;
  ingestUrl: string;
  scoreUrl: string;
  forecastUrl: string;
  apiUrl: string;
  notifyUrl?: string;
  recommendUrl?: string;
  copilotUrl?: string;
}): LocalEndpoint[] {
  const router = `http://127.0.0.1:${stack.routerPort}`;
  return [
    { name: 'pubsub', url: router, what: "Pub/Sub's REST publish API (POST /v1/projects/<p>/topics/<t>:publish)" },
    { name: 'stats', url: `${router}/_local/stats`, what: 'row counts of every table and the dead-letter sink (JSON)' },
    { name: 'ingest', url: stack.ingestUrl, what: 'function: readings → readings, rejected' },
    { name: 'score', url: stack.scoreUrl, what: 'function: readings-clean → anomaly_scores, alerts' },
    { name: 'forecast', url: stack.forecastUrl, what: 'function: forecast-tick → forecasts' },
    { name: 'api', url: stack.apiUrl, what: `query API and dashboard; reference at ${stack.apiUrl}docs` },
    ...(stack.notifyUrl
      ? [
          {
            name: 'notify',
            url: stack.notifyUrl,
            what: 'function: alerts → incidents, webhooks (KILOWATCH_WEBHOOKS); `npx kilowatch alerts list`, then acknowledge/resolve <id> --by <you>',
          },
        ]
      : []),
    ...(stack.recommendUrl
      ? [
          {
            name: 'recommend',
            url: stack.recommendUrl,
            what: 'function: maintenance-tick → recommendations (risk 0–3, actions); `npx kilowatch recommend [--device ID]`',
          },
        ]
      : []),
    ...(stack.copilotUrl
      ? [
          {
            name: 'copilot',
            url: `${stack.copilotUrl}v1/ask`,
            what: 'energy copilot: POST {question} (KILOWATCH_LLM=ollama|vertex; docs/copilot.md)',
          },
        ]
      : []),
  ];
}

/** What to try once the demo data is in; lines of `command  what it does`. */
const NEXT_COMMANDS: ReadonlyArray<[string, string]> = [
  ['npx kilowatch stats', 'row counts of every table'],
  ['npx kilowatch simulate --machines 3 --duration 1h --publish', 'more devices, published through the router'],
  ['npx kilowatch alerts list', 'open incidents; acknowledge or resolve one by its id'],
  ['npx kilowatch recommend', 'maintenance risk and actions per machine'],
  ['npx kilowatch --help', 'every command'],
];

/**
 * Text for a person (LOG_FORMAT=pretty, the local default) or one structured log entry (json), so that
 * `npm start` under a log collector stays machine-readable.
 */
export function say(text: string, fields: Record<string, unknown> = {}): void {
  if (logFormat() === 'json') log.info(text.split('\n')[0] ?? text, fields);
  else process.stdout.write(`${text}\n`);
}

export function startedText(endpoints: readonly LocalEndpoint[], warehouse: string): string {
  const rows: Array<[string, string, string]> = [
    ...endpoints.map((e): [string, string, string] => [e.name, e.url, e.what]),
    ['warehouse', warehouse, 'DuckDB file'],
  ];
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const urlWidth = Math.max(...rows.map(([, url]) => url.length));
  return [
    'kilowatch is running locally:',
    ...rows.map(([name, url, what]) => `  ${name.padEnd(nameWidth)}  ${url.padEnd(urlWidth)}  ${what}`),
  ].join('\n');
}

const n = (v: number) => v.toLocaleString('en-US');

export function progressText(p: {
  steel: number;
  steelTotal: number;
  ticks?: { done: number; total: number };
}): string {
  const share = p.steelTotal === 0 ? 100 : Math.round((100 * p.steel) / p.steelTotal);
  const ticks = p.ticks ? `, forecast day ${p.ticks.done}/${p.ticks.total}` : '';
  return `demo: steel plant ${n(p.steel)}/${n(p.steelTotal)} readings published (${share} %)${ticks}`;
}

export function doneText(
  stats: Stats,
  published: { steel: number; simulated: number },
  endpoints: readonly LocalEndpoint[],
): string {
  const t = stats.tables;
  const count = (name: string) => n(t[name] ?? 0);
  const stats_ = endpoints.find((e) => e.name === 'stats');
  const width = Math.max(...NEXT_COMMANDS.map(([c]) => c.length));
  return [
    `demo data in: ${n(published.steel)} steel plant and ${n(published.simulated)} simulated readings published`,
    `  warehouse: readings ${count('readings')}, rejected ${count('rejected')}, anomaly_scores ${count('anomaly_scores')}, ` +
      `alerts ${count('alerts')}, forecasts ${count('forecasts')}; dead letters ${n(stats.deadLetters ?? 0)}`,
    'next:',
    ...(stats_ ? [`  ${'curl ' + stats_.url}`] : []),
    ...NEXT_COMMANDS.map(([c, what]) => `  ${c.padEnd(width)}  ${what}`),
    'still running: publish readings to the router; Ctrl-C stops',
  ].join('\n');
}
