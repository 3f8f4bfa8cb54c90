/**
 * Logs in Cloud Logging's JSON shape (severity, message, extra fields), or one readable line each for a person at a
 * terminal. LOG_FORMAT picks; by default JSON in the cloud (Cloud Run sets K_SERVICE; the gcp backend), else pretty.
 */

type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const RANK: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
const LEVEL_TO_SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;

const envLevel = process.env.LOG_LEVEL;
let threshold: number =
  RANK[
    envLevel && envLevel in LEVEL_TO_SEVERITY ? LEVEL_TO_SEVERITY[envLevel as keyof typeof LEVEL_TO_SEVERITY] : 'INFO'
  ];

export type LogFormat = 'json' | 'pretty';

function defaultFormat(env: NodeJS.ProcessEnv): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return env.K_SERVICE || env.KILOWATCH_BACKEND === 'gcp' ? 'json' : 'pretty';
}

let format: LogFormat = defaultFormat(process.env);

export function logFormat(): LogFormat {
  return format;
}

export function setLogFormat(value: LogFormat): void {
  format = value;
}

function prettyValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"]/.test(text) && typeof value === 'string' ? JSON.stringify(value) : text;
}

/** `12:00:01 WARNING message key=value ...`: the time of day, the level, the message, then the fields. */
export function prettyLine(
  severity: string,
  message: string,
  fields: Record<string, unknown> = {},
  now = new Date(),
): string {
  const extra = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${prettyValue(v)}`);
  return [now.toISOString().slice(11, 19), severity.padEnd(7), message, ...extra].join(' ');
}

export function setLogLevel(level: keyof typeof LEVEL_TO_SEVERITY): void {
  threshold = RANK[LEVEL_TO_SEVERITY[level]];
}

function write(severity: Severity, message: string, fields?: Record<string, unknown>): void {
  if (RANK[severity] < threshold) return;
  const line =
    format === 'json'
      ? JSON.stringify({ severity, message, time: new Date().toISOString(), ...fields })
      : prettyLine(severity, message, fields);
  (severity === 'ERROR' || severity === 'WARNING' ? process.stderr : process.stdout).write(`${line}\n`);
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => write('DEBUG', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('INFO', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('WARNING', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('ERROR', m, f),
};
