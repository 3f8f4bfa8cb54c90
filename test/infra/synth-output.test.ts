import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';

/** What `npm run infra:synth` does (main.ts calls buildApp), into temporary folders. */
function fullSynth(vars: Record<string, string> = {}): { outdir: string; warnings: string[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'kw-synth-'));
  const { app, warnings } = buildApp({ outdir, env: vars, sources: 'placeholder' });
  app.synth();
  return { outdir, warnings };
}

const read = (outdir: string, stack: string) => readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');

describe('full synth', () => {
  let first: { outdir: string; warnings: string[] };
  let second: { outdir: string; warnings: string[] };
  beforeAll(() => {
    first = fullSynth();
    second = fullSynth();
  });

  it('writes stacks/<stack>/cdk.tf.json per environment, with the zipped function source beside it', () => {
    expect(readdirSync(join(first.outdir, 'stacks')).sort()).toEqual(['kilowatch-dev', 'kilowatch-prod']);
    const json = JSON.parse(read(first.outdir, 'kilowatch-dev'));
    for (const obj of Object.values<{ source: string }>(json.resource.google_storage_bucket_object)) {
      expect(existsSync(join(first.outdir, 'stacks', 'kilowatch-dev', obj.source))).toBe(true);
    }
    expect(json.terraform.required_providers.google.version).toMatch(/^6\./);
  });

  it('two synths are byte-identical: no timestamps, random ids or absolute paths', () => {
    for (const stack of ['kilowatch-dev', 'kilowatch-prod']) {
      const a = read(first.outdir, stack);
      expect(read(second.outdir, stack)).toBe(a);
      expect(a).not.toContain(first.outdir);
      expect(a).not.toContain(process.cwd());
    }
  });

  it('warns about placeholders; strict mode refuses them', () => {
    expect(first.warnings.join('\n')).toMatch(/KILOWATCH_BILLING_ACCOUNT/);
    expect(() => fullSynth({ KILOWATCH_INFRA_STRICT: '1' })).toThrow(/placeholders remain/);
  });

  it('KILOWATCH_INFRA_ENVS limits the stacks; a GCS state bucket replaces local state', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'kw-synth-'));
    const { app } = buildApp({
      outdir,
      env: { KILOWATCH_INFRA_ENVS: 'prod', KILOWATCH_TF_STATE_BUCKET: 'acme-tf-state' },
      sources: 'placeholder',
    });
    app.synth();
    expect(readdirSync(join(outdir, 'stacks'))).toEqual(['kilowatch-prod']);
    const json = JSON.parse(read(outdir, 'kilowatch-prod'));
    expect(json.terraform.backend).toEqual({ gcs: { bucket: 'acme-tf-state', prefix: 'kilowatch/prod' } });
  });
});
