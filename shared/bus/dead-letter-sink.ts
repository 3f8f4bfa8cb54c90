import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DeadLetterEntry {
  readonly at: string;
  readonly reason: string;
  readonly messageId?: string;
  readonly attributes?: Record<string, string>;
  /** The message bytes exactly as received, base64. */
  readonly dataBase64: string;
}

/** The local dead-letter sink: one JSON line per message, raw bytes kept, so nothing is lost. */
export class DeadLetterFile {
  constructor(readonly path: string) {}

  append(entry: DeadLetterEntry): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  entries(): DeadLetterEntry[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as DeadLetterEntry);
  }

  count(): number {
    return this.entries().length;
  }
}
