/** Structured JSON logs in Cloud Logging's shape (severity, message, extra fields). */

type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const RANK: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
const LEVEL_TO_SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;

const envLevel = process.env.LOG_LEVEL;
let threshold: number = RANK[envLevel && envLevel in LEVEL_TO_SEVERITY ? LEVEL_TO_SEVERITY[envLevel as keyof typeof LEVEL_TO_SEVERITY] : 'INFO'];

export function setLogLevel(level: keyof typeof LEVEL_TO_SEVERITY): void {
  threshold = RANK[LEVEL_TO_SEVERITY[level]];
}

function write(severity: Severity, message: string, fields?: Record<string, unknown>): void {
  if (RANK[severity] < threshold) return;
  const line = JSON.stringify({ severity, message, time: new Date().toISOString(), ...fields });
  (severity === 'ERROR' || severity === 'WARNING' ? process.stderr : process.stdout).write(`${line}\n`);
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => write('DEBUG', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('INFO', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('WARNING', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('ERROR', m, f),
};
