import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../shared/models/registry.js';
import { LocalFolderStore } from '../../shared/objects/local-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'kw-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('registry health marks', () => {
  it('models list shows the retrain-recommended mark, even for a model only committed, not pushed', async () => {
    const registry = new ModelRegistry({
      store: new LocalFolderStore(join(dir, 'registry')),
      cacheDir: join(dir, 'cache'),
    });
    expect(await registry.list()).toEqual([]);
    const mark = {
      version: '1.0.0',
      asOf: '2018-12-01T00:00:00.000Z',
      retrainRecommended: true,
      reasons: ['steel/shifted usage_kwh: PSI 0.47'],
    };
    await registry.markHealth('steel-forecast', mark);
    expect(await registry.list()).toEqual([{ name: 'steel-forecast', champion: null, versions: [], health: mark }]);
    await expect(registry.markHealth('Bad Name', mark)).rejects.toThrow(/invalid model name/);
  });
});
