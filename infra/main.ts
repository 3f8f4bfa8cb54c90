import { join } from 'node:path';
import { buildApp } from './app.js';
import { REPO_ROOT } from './sources.js';

/**
 * `npm run infra:synth` (or `cdktf synth`, which sets CDKTF_OUTDIR): writes
 * infra/cdktf.out/stacks/kilowatch-<env>/cdk.tf.json per environment. Offline: no provider download.
 */
function main(): void {
  const outdir = process.env.CDKTF_OUTDIR ?? join(REPO_ROOT, 'infra', 'cdktf.out');
  const { app, stacks, warnings } = buildApp({ outdir });
  app.synth();
  for (const s of stacks) {
    console.log(`synthesized ${s.node.id} -> ${join(outdir, 'stacks', s.node.id, 'cdk.tf.json')}`);
  }
  for (const w of warnings) console.warn(`warning: ${w}`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
