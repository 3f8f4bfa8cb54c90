import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { isGoogleEndpoint } from '../warehouse/bigquery.js';
import type { DuckDbWarehouse } from '../warehouse/duckdb.js';
import { copilotTurns } from '../warehouse/schema/tables.js';
import type { TurnReader } from './conversations.js';

/** Conversations older than this are not read back (it bounds the scan of the partitioned table). */
export const CONVERSATION_TTL_MS = 30 * 86_400_000;

const COLUMNS = 'turn_id, conversation_id, position, caller, role, text, tokens';

export function duckDbTurnReader(warehouse: DuckDbWarehouse, now: () => number): TurnReader {
  return async (conversationId) => {
    const rows = await warehouse.query(
      `SELECT ${COLUMNS}, strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS created_at FROM copilot_turns
       WHERE conversation_id = $c AND created_at >= $since::TIMESTAMPTZ ORDER BY position`,
      { c: conversationId, since: new Date(now() - CONVERSATION_TTL_MS).toISOString() },
    );
    return rows.map((r) => copilotTurns.row.parse({ ...r, position: Number(r.position), tokens: Number(r.tokens) }));
  };
}

export function bigQueryTurnReader(
  options: { projectId: string; dataset: string; location: string; apiEndpoint?: string },
  now: () => number,
): TurnReader {
  const client = new BigQuery({
    projectId: options.projectId,
    location: options.location,
    ...(options.apiEndpoint
      ? {
          apiEndpoint: options.apiEndpoint,
          ...(isGoogleEndpoint(options.apiEndpoint) ? {} : { authClient: new PassThroughClient() }),
        }
      : {}),
  });
  return async (conversationId) => {
    const [rows] = await client.query({
      // The table itself, deduplicated after the partition filter: a filter on created_at outside the _dedup view
      // is not pushed through its window (partitioned by turn_id), so reading the view scans every partition.
      query: `SELECT ${COLUMNS}, FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', created_at) AS created_at FROM \`${options.projectId}.${options.dataset}.${copilotTurns.name}\`
              WHERE conversation_id = @c AND created_at >= TIMESTAMP(@since)
              QUALIFY ROW_NUMBER() OVER (PARTITION BY ${copilotTurns.key} ORDER BY ${copilotTurns.firstBy}) = 1 ORDER BY position`,
      params: { c: conversationId, since: new Date(now() - CONVERSATION_TTL_MS).toISOString() },
      location: options.location,
      useLegacySql: false,
    });
    return (rows as Array<Record<string, unknown>>).map((r) => copilotTurns.row.parse(r));
  };
}
