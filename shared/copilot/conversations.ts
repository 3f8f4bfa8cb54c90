import { createHash } from 'node:crypto';
import type { HistoryMessage } from '../llm/port.js';
import type { Warehouse } from '../warehouse/port.js';
import { copilotTurns, type CopilotTurnRow } from '../warehouse/schema/tables.js';

/** Reads a conversation's turns, oldest first; a warehouse adapter's read side. */
export type TurnReader = (conversationId: string) => Promise<CopilotTurnRow[]>;

/** Rough token count of a text (about four characters a token). */
export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The latest turns whose tokens fit `budget`, oldest first; a user turn never starts a cut history without its answer. */
export function cutHistory(turns: readonly CopilotTurnRow[], budget: number): HistoryMessage[] {
  const kept: CopilotTurnRow[] = [];
  let used = 0;
  for (const turn of [...turns].sort((a, b) => b.position - a.position)) {
    if (used + turn.tokens > budget) break;
    used += turn.tokens;
    kept.unshift(turn);
  }
  while (kept[0]?.role === 'assistant') kept.shift();
  return kept.map((t) => ({ role: t.role, text: t.text }));
}

/** Conversations in copilot_turns: history cut to a token budget, new turns appended. */
export class Conversations {
  constructor(
    private readonly warehouse: Pick<Warehouse, 'insert'>,
    private readonly read: TurnReader,
  ) {}

  async history(conversationId: string, budget: number): Promise<{ messages: HistoryMessage[]; next: number }> {
    const turns = await this.read(conversationId);
    return { messages: cutHistory(turns, budget), next: turns.reduce((n, t) => Math.max(n, t.position + 1), 0) };
  }

  async append(
    conversationId: string,
    caller: string,
    position: number,
    question: string,
    answer: string,
    at: string,
  ): Promise<void> {
    const row = (role: 'user' | 'assistant', text: string, p: number): CopilotTurnRow => ({
      turn_id: createHash('sha256').update(`${conversationId}\u0000${p}\u0000${role}`).digest('hex').slice(0, 32),
      conversation_id: conversationId,
      position: p,
      caller,
      role,
      text,
      tokens: textTokens(text),
      created_at: at,
    });
    await this.warehouse.insert(copilotTurns, [
      row('user', question, position),
      row('assistant', answer, position + 1),
    ]);
  }
}
