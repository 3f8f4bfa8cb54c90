import { readFileSync } from 'node:fs';
import { carriesOffset, parseTimestamp } from '../readings/timestamps.js';
import { localMidnights } from './calendar.js';
import type { RegularSeries } from './series.js';

/**
 * Forecast origins as UTC ms: `daily` (every plant-local midnight from one week after the first reading to one
 * step after the last, so the day after the data is included), or a file of timestamps, one a line (a header
 * line `origin` and an `origin` column of a CSV are accepted).
 */
export function readOrigins(
  spec: string,
  series: RegularSeries,
  options: { zone: string; inputZone: string | undefined; minHistorySteps: number },
): number[] {
  const stepMs = series.stepSeconds * 1000;
  const lastMs = series.anchorMs + (series.values.length - 1) * stepMs;
  if (spec === 'daily') {
    const first = series.anchorMs + options.minHistorySteps * stepMs;
    return localMidnights(first, lastMs + stepMs, options.zone);
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `--origins ${spec}: cannot read it (${code === 'ENOENT' ? 'no such file' : code}); give a file of ISO timestamps, one a line, or 'daily'`,
      {
        cause: error,
      },
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let column = 0;
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const out: number[] = [];
  lines.forEach((line, n) => {
    const cells = line.split(',').map((c) => c.trim());
    if (n === 0 && header.includes('origin')) {
      column = header.indexOf('origin');
      return;
    }
    const cell = cells[column] ?? '';
    if (cell === '' || cell.startsWith('#')) return;
    if (!options.inputZone && !carriesOffset(cell)) {
      throw new Error(
        `--origins ${spec}: line ${n + 1}: '${cell.slice(0, 40)}' has no UTC offset; name its zone with --tz or --device`,
      );
    }
    const parsed = parseTimestamp(cell, options.inputZone ?? 'UTC');
    if (!parsed.ok) throw new Error(`--origins ${spec}: line ${n + 1}: ${parsed.reason}`);
    out.push(parsed.ms);
  });
  if (out.length === 0) throw new Error(`--origins ${spec}: no timestamps in it`);
  return out;
}
