import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
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

  /** Appends one line whole or not at all: a line the disk takes only in part is cut off again, and this throws. */
  append(entry: DeadLetterEntry): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    const fd = openSync(this.path, 'a');
    try {
      const size = fstatSync(fd).size;
      let written = 0;
      try {
        written = writeSync(fd, line);
      } finally {
        if (written !== line.byteLength) ftruncateSync(fd, size);
      }
      if (written !== line.byteLength)
        throw new Error(`dead-letter file ${this.path}: the disk took ${written} of ${line.byteLength} bytes`);
    } finally {
      closeSync(fd);
    }
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
