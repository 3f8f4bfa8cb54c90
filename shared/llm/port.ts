import type { z } from 'zod';

/** A tool the model may call: its name, what it is for, and the zod schema its arguments must satisfy. */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly args: z.ZodObject;
}

/** One call the model asked for, as it emitted it (arguments not yet validated). */
export interface ModelCall {
  /** Call id when the model gives one (Gemini 3, Ollama), else one made up by the adapter. */
  readonly id: string;
  readonly name: string;
  readonly args: unknown;
}

export interface TokenUsage {
  readonly input: number;
  readonly output: number;
}

/** What the model answered in one turn: text, calls, or both. */
export interface ModelTurn {
  readonly text: string;
  readonly calls: readonly ModelCall[];
  readonly usage: TokenUsage;
  readonly model: string;
}

/** A result handed back for one call; `content` is JSON-serialisable. */
export interface CallResult {
  readonly callId: string;
  readonly name: string;
  readonly content: unknown;
}

/** Earlier turns of a conversation, as plain text (tool calls are not replayed). */
export interface HistoryMessage {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

export interface SessionOptions {
  readonly system: string;
  readonly history: readonly HistoryMessage[];
  readonly tools: readonly ToolSpec[];
  /** Text deltas as the model produces them, where the adapter can stream. */
  readonly onText?: (delta: string) => void;
}

/**
 * One conversation with the model. The adapter keeps the transcript in its provider's own shape, so what
 * the model needs back verbatim (Gemini's thought signatures) is sent back as it came.
 */
export interface LlmSession {
  ask(question: string): Promise<ModelTurn>;
  reply(results: readonly CallResult[]): Promise<ModelTurn>;
}

/** The LLM port: Ollama locally, Vertex AI Gemini in the cloud. */
export interface Llm {
  readonly provider: 'ollama' | 'vertex';
  readonly model: string;
  readonly contextTokens: number;
  start(options: SessionOptions): LlmSession;
  /** Embeddings of texts (hybrid procedure search), when an embedding model is configured. */
  readonly embed?: (texts: readonly string[]) => Promise<number[][]>;
}

/** The prompt no longer fits the model's context: the provider would have dropped its beginning. */
export class ContextOverflowError extends Error {
  override readonly name = 'ContextOverflowError';
}

/** The provider answered something the adapter cannot use (HTTP error, malformed body). */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
