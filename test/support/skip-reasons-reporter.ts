import type { Reporter, TestModule } from 'vitest/node';

/** After the run, each reason tests were skipped for (data or tools missing) and how to provide it, once. */
export default class SkipReasonsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const reasons = new Map<string, number>();
    for (const m of modules) {
      for (const test of m.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        if (note) reasons.set(note, (reasons.get(note) ?? 0) + 1);
      }
    }
    if (reasons.size === 0) return;
    console.log('\nSkipped, with the reason and what provides it:');
    for (const [note, count] of reasons) console.log(`  ${count} test${count === 1 ? '' : 's'}: ${note}`);
  }
}
