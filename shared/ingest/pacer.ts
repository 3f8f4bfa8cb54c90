/**
 * Spreads a burst of synchronous work over turns of the event loop. Deliveries that waited for the same thing (a
 * cold start's device histories) resume together and would all be cleaned in one go: their warehouse write then
 * starts only after the last, one transaction that the event loop waits out idle. Given a turn every `budgetMs`
 * of work, the write of what is cleaned overlaps the cleaning of the rest (ingest bench: 0.9x the time of a burst).
 */
export class Pacer {
  private gate: Promise<void> | undefined;
  /** When the current stretch of work without a turn of the loop began. */
  private stretchStart = 0;
  /** Whether a turn of the loop is awaited (an immediate is pending) since stretchStart. */
  private inStretch = false;

  constructor(private readonly budgetMs: number) {}

  /**
   * Runs `work` once the loop has turned within the budget; works queued here run in call order. The work runs in
   * the same step as the check, so it should be synchronous up to its first await.
   */
  async run<T>(work: () => T): Promise<T> {
    while (this.gate || !this.mayRun()) {
      this.gate ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.gate = undefined;
      });
      await this.gate;
    }
    return work();
  }

  private mayRun(): boolean {
    const now = performance.now();
    if (!this.inStretch) {
      // The loop turned since the last work: a new stretch starts.
      this.inStretch = true;
      this.stretchStart = now;
      setImmediate(() => (this.inStretch = false));
    }
    return now - this.stretchStart <= this.budgetMs;
  }
}
