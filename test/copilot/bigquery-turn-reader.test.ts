import { beforeEach, describe, expect, it } from 'vitest';
import { Conversations } from '../../shared/copilot/conversations.js';
import { bigQueryTurnReader, CONVERSATION_TTL_MS } from '../../shared/copilot/turn-readers.js';
import { TABLES } from '../../shared/warehouse/schema/tables.js';
import { FakeBigQuery, type QueryAnswer, type SeenQuery } from '../support/fake-bigquery.js';
import { useFakeBigQuery, useGoogleAuthGuard } from '../support/google-fakes.js';

const PROJECT = 'kw-test';
const DATASET = 'kilowatch_test';
const NOW = Date.parse('2024-03-31T12:00:00.000Z');
const HOSTILE_ID = "conv-1' OR '1'='1";

let fake: FakeBigQuery;
let seen: SeenQuery[];
let answer: QueryAnswer;

const field = (name: string, type: 'STRING' | 'INT64') => ({ name, type, mode: 'NULLABLE' as const });
const FIELDS = [
  field('turn_id', 'STRING'),
  field('conversation_id', 'STRING'),
  field('position', 'INT64'),
  field('caller', 'STRING'),
  field('role', 'STRING'),
  field('text', 'STRING'),
  field('tokens', 'INT64'),
  field('created_at', 'STRING'),
];

function turn(position: number, role: 'user' | 'assistant', text: string, tokens: number) {
  return {
    turn_id: `t${position}`,
    conversation_id: HOSTILE_ID,
    position,
    caller: 'alice',
    role,
    text,
    tokens,
    created_at: new Date(NOW - 3_600_000 + position * 1000).toISOString(),
  };
}

useGoogleAuthGuard();

useFakeBigQuery({ projectId: PROJECT, datasetId: DATASET, location: 'EU', tables: TABLES }, (f) => (fake = f));
beforeEach(() => {
  seen = [];
  answer = { fields: FIELDS, rows: [] };
  fake.onQuery((q) => {
    seen.push(q);
    return answer;
  });
});

const reader = () =>
  bigQueryTurnReader({ projectId: PROJECT, dataset: DATASET, location: 'EU', apiEndpoint: fake.url }, () => NOW);

describe('bigQueryTurnReader through the client library', () => {
  it('sends one bounded, deduplicated, ordered query with the conversation id as a parameter', async () => {
    await reader()(HOSTILE_ID);
    expect(seen).toHaveLength(1);
    const q = seen[0]!;
    const sql = q.query.replace(/\s+/g, ' ');
    expect(q.location).toBe('EU');
    expect(q.body.useLegacySql).toBe(false);
    expect(q.query).not.toContain(HOSTILE_ID);
    expect(q.params.c).toEqual({ type: 'STRING', value: HOSTILE_ID });
    expect(q.params.since?.value).toBe(new Date(NOW - CONVERSATION_TTL_MS).toISOString());
    // The table itself, filtered on its partition column, deduplicated after the filter, ordered by position.
    expect(sql).toContain(`FROM \`${PROJECT}.${DATASET}.copilot_turns\` WHERE `);
    expect(sql).toMatch(/WHERE conversation_id = @c AND created_at >= TIMESTAMP\(@since\) QUALIFY /);
    expect(sql).toMatch(
      /QUALIFY ROW_NUMBER\(\) OVER \(PARTITION BY turn_id ORDER BY created_at\) = 1 ORDER BY position$/,
    );
  });

  it('turns the rows into the history, in order, cut to the token budget', async () => {
    answer = {
      fields: FIELDS,
      rows: [
        turn(0, 'user', 'first question', 50),
        turn(1, 'assistant', 'first answer', 50),
        turn(2, 'user', 'second question', 10),
        turn(3, 'assistant', 'second answer', 20),
      ],
    };
    const turns = await reader()(HOSTILE_ID);
    expect(turns.map((t) => [t.position, t.role, t.tokens, t.created_at])).toEqual(
      answer.rows.map((r) => [r.position, r.role, r.tokens, r.created_at]),
    );

    const conversations = new Conversations({ insert: async () => {} }, reader());
    // 80 tokens hold turns 1-3; the cut history does not start with an answer.
    expect(await conversations.history(HOSTILE_ID, 80)).toEqual({
      messages: [
        { role: 'user', text: 'second question' },
        { role: 'assistant', text: 'second answer' },
      ],
      next: 4,
    });
    expect((await conversations.history(HOSTILE_ID, 1000)).messages.map((m) => m.text)).toEqual([
      'first question',
      'first answer',
      'second question',
      'second answer',
    ]);
  });
});
