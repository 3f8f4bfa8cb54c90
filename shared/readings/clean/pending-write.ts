/**
 * The warehouse write of one delivery's readings, which the device histories hold before it commits. A
 * judgement made against such a value (a duplicate, a conflict, a redelivery) holds only once the write has
 * stored it: the delivery that made it waits for the outcome.
 */
export class PendingWrite {
  /** undefined while the write runs. */
  private stored: boolean | undefined;
  /** Made only when another delivery waits: most writes are never waited on. */
  private settled: Promise<boolean> | undefined;
  private resolve: ((stored: boolean) => void) | undefined;

  /** Records the write's outcome; the first one counts (a later failure of the delivery does not unstore it). */
  settle(stored: boolean): void {
    if (this.stored !== undefined) return;
    this.stored = stored;
    this.resolve?.(stored);
  }

  /** Whether the write is known to have stored its readings. */
  get isStored(): boolean {
    return this.stored === true;
  }

  /** Resolves with whether the write stored its readings; never rejects. */
  outcome(): Promise<boolean> {
    if (this.stored !== undefined) return Promise.resolve(this.stored);
    this.settled ??= new Promise<boolean>((resolve) => (this.resolve = resolve));
    return this.settled;
  }
}
