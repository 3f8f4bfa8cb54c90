import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Tariff } from '../../energy/tariff.js';
import type { RecommendDeps } from '../../maintenance/recommend-machines.js';
import type { ProcedureIndex } from '../../procedures/search.js';
import type { QueryDeps } from '../../query/deps.js';
import type { SqlRunner } from '../sql/runner.js';
import type { Citation } from '../tool.js';

/** What the copilot's tools need: the query use-cases' dependencies, guarded SQL, procedures and tariffs. */
export interface CopilotDeps {
  readonly query: QueryDeps;
  readonly sql: SqlRunner;
  readonly sqlMaxRows: number;
  readonly procedures: () => Promise<ProcedureIndex>;
  /** The maintenance rules' use-case (`kilowatch recommend`), opened on first use. */
  readonly maintenance: () => Promise<RecommendDeps>;
  readonly tariff: (site: string) => Tariff;
}

export const isoTime = z.iso
  .datetime({ offset: true })
  .describe('RFC 3339 time with an offset, e.g. 2018-03-06T10:00:00+09:00');
export const deviceId = z.string().min(1).max(200).describe('device id, e.g. steel-plant/main-meter');
export const metric = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/)
  .describe('metric name, e.g. usage_kwh');

/** A citation of a tool's query result: the tool, a short hash of its arguments, and what was read. */
export function queryCitation(tool: string, args: unknown, detail: string): Citation {
  const id = `${tool}:${createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 10)}`;
  return { kind: 'query', id, tool, detail };
}

export const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
