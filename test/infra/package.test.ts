import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importedPackages, stageFunction } from '../../infra/package-functions.js';
import { hashDir, PLACEHOLDER_DIR, resolveSource } from '../../infra/sources.js';

function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'kw-pkg-'));
  const write = (p: string, text: string) => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  write(
    'package.json',
    JSON.stringify({
      version: '1.2.3',
      dependencies: {
        zod: '^4.0.0',
        luxon: '^3.0.0',
        tsx: '^4.0.0',
        '@google-cloud/pubsub': '^5.0.0',
        'ml-isolation-forest': '^0.1.0',
      },
      devDependencies: { vitest: '^4.0.0' },
      allowScripts: { 'onnxruntime-node': false },
    }),
  );
  write('node_modules/zod/package.json', JSON.stringify({ version: '4.6.7' }));
  write('node_modules/@google-cloud/pubsub/package.json', JSON.stringify({ version: '5.3.1' }));
  write('node_modules/google-auth-library/package.json', JSON.stringify({ version: '10.1.0' }));
  write('dist/functions/ingest/index.js', "import { z } from 'zod';\nimport { handle } from '../../shared/a.js';\n");
  write('dist/functions/ingest/index.js.map', '{}');
  write(
    'dist/shared/a.js',
    "import { PubSub } from '@google-cloud/pubsub/build/src/index.js';\nimport fs from 'node:fs';\nconst m = await import('path');\nimport { GoogleAuth } from 'google-auth-library';\n",
  );
  // A CommonJS package loaded through createRequire, as shared/anomaly/iforest loads ml-isolation-forest.
  write(
    'dist/shared/c.js',
    "const require = createRequire(import.meta.url);\nconst { IsolationForest } = require('ml-isolation-forest');\n",
  );
  write('node_modules/ml-isolation-forest/package.json', JSON.stringify({ version: '0.1.0' }));
  write('data/devices.json', '[]');
  return root;
}

describe('package-functions', () => {
  it('stages build output, bundle files and a package.json with only the imported runtime dependencies', () => {
    const root = fixture();
    const out = join(root, 'dist', 'deploy');
    const r = stageFunction('ingest', {
      root,
      distDir: join(root, 'dist'),
      outDir: out,
      bundle: ['data/devices.json', 'models'],
    });
    expect(existsSync(join(out, 'ingest', 'functions', 'ingest', 'index.js'))).toBe(true);
    expect(existsSync(join(out, 'ingest', 'functions', 'ingest', 'index.js.map'))).toBe(false);
    expect(existsSync(join(out, 'ingest', 'shared', 'a.js'))).toBe(true);
    expect(existsSync(join(out, 'ingest', 'data', 'devices.json'))).toBe(true);
    expect(r.missingBundle).toEqual(['models']);
    const pkg = JSON.parse(readFileSync(join(out, 'ingest', 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'kilowatch-ingest', type: 'module', main: 'functions/ingest/index.js' });
    // Pinned to the installed version; tsx and luxon are not imported, dev dependencies never ship; an
    // import that only resolves transitively is pinned too, and reported.
    expect(pkg.dependencies).toEqual({
      '@google-cloud/functions-framework': '^5.0.0',
      '@google-cloud/pubsub': '5.3.1',
      'google-auth-library': '10.1.0',
      'ml-isolation-forest': '0.1.0',
      zod: '4.6.7',
    });
    expect(r.undeclared).toEqual(['google-auth-library']);
    expect(pkg.allowScripts).toEqual({ 'onnxruntime-node': false });
  });

  it('finds bare imports, ignoring relative paths and node builtins', () => {
    const root = fixture();
    expect([...importedPackages(join(root, 'dist'))].sort()).toEqual([
      '@google-cloud/pubsub',
      'google-auth-library',
      'ml-isolation-forest',
      'zod',
    ]);
  });

  it('fails with the fix when the build is missing', () => {
    const root = fixture();
    expect(() =>
      stageFunction('score', { root, distDir: join(root, 'dist'), outDir: join(root, 'o'), bundle: [] }),
    ).toThrow(/build first/);
    writeFileSync(join(root, 'dist', 'shared', 'b.js'), "import x from 'left-pad';\n");
    expect(() =>
      stageFunction('ingest', { root, distDir: join(root, 'dist'), outDir: join(root, 'o'), bundle: [] }),
    ).toThrow(/imports "left-pad", which is neither declared nor installed/);
  });

  it('the source hash depends on paths and bytes, not on time; the placeholder stands in when nothing is staged', () => {
    const root = fixture();
    const a = hashDir(join(root, 'dist'));
    expect(hashDir(join(root, 'dist'))).toBe(a);
    writeFileSync(join(root, 'dist', 'shared', 'a.js'), 'changed');
    expect(hashDir(join(root, 'dist'))).not.toBe(a);
    const src = resolveSource('ingest', 'placeholder');
    expect(src).toMatchObject({ dir: PLACEHOLDER_DIR, placeholder: true });
    expect(readFileSync(join(PLACEHOLDER_DIR, 'index.js'), 'utf8')).toContain('package-functions');
  });
});
