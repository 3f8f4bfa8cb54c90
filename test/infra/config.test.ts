import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlaceholders, ENVIRONMENT_NAMES, loadEnvironment } from '../../infra/config/load.js';
import { CATALOG_NAMES } from '../../infra/config/functions.js';
import { deployableFunctions, functionFolders } from '../../infra/function-folders.js';
import { Names } from '../../infra/naming.js';
import { FUNCTION_NAMES } from '../../shared/config/env.js';

describe('environment config', () => {
  it('has dev and prod, each sizing every catalog function', () => {
    expect(ENVIRONMENT_NAMES).toEqual(['dev', 'prod']);
    for (const env of ENVIRONMENT_NAMES) {
      const c = loadEnvironment(env, {});
      expect(c.env).toBe(env);
      expect(Object.keys(c.functions).sort()).toEqual([...CATALOG_NAMES].sort());
      expect(c.budget.monthlyUsd).toBe(50);
      expect(Object.values(c.functions).every((f) => !f.public)).toBe(true);
    }
  });

  it('KILOWATCH_* variables override the defaults; KILOWATCH_<ENV>_* beats them for that environment', () => {
    const vars = {
      KILOWATCH_GCP_PROJECT: 'acme-energy-shared',
      KILOWATCH_PROD_GCP_PROJECT: 'acme-energy-prod',
      KILOWATCH_GCP_REGION: 'us-central1',
      KILOWATCH_NOTIFICATION_EMAIL: 'oncall@acme.test',
      KILOWATCH_BUDGET_USD: '120',
      KILOWATCH_BILLING_ACCOUNT: '01AB23-45CD67-89EF01',
    };
    const dev = loadEnvironment('dev', vars);
    const prod = loadEnvironment('prod', vars);
    expect(dev.project).toBe('acme-energy-shared');
    expect(prod.project).toBe('acme-energy-prod');
    expect(prod.region).toBe('us-central1');
    expect(prod.monitoring.notificationEmail).toBe('oncall@acme.test');
    expect(prod.budget).toMatchObject({ monthlyUsd: 120, billingAccount: '01AB23-45CD67-89EF01' });
    expect(checkPlaceholders(prod, vars)).toEqual([]);
  });

  it('rejects bad values, naming the field and the variable', () => {
    expect(() => loadEnvironment('dev', { KILOWATCH_BUDGET_USD: 'fifty' })).toThrow(
      /budget\.monthlyUsd: .*\(from KILOWATCH_BUDGET_USD\)/,
    );
    expect(() => loadEnvironment('dev', { KILOWATCH_NOTIFICATION_EMAIL: 'ops' })).toThrow(
      /notificationEmail.*KILOWATCH_NOTIFICATION_EMAIL/,
    );
    expect(() => loadEnvironment('prod', { KILOWATCH_PROD_BILLING_ACCOUNT: '123' })).toThrow(
      /KILOWATCH_PROD_BILLING_ACCOUNT/,
    );
    expect(() => loadEnvironment('dev', { KILOWATCH_GCP_PROJECT: 'Bad_Project' })).toThrow(/project/);
    expect(() => loadEnvironment('staging', {})).toThrow(/unknown environment "staging"/);
    expect(() => loadEnvironment('dev', { KILOWATCH_PUBLIC_FUNCTIONS: 'dashboard' })).toThrow(/unknown function/);
  });

  it('reports placeholders, and refuses them under KILOWATCH_INFRA_STRICT=1', () => {
    const dev = loadEnvironment('dev', {});
    expect(checkPlaceholders(dev, {}).join('\n')).toMatch(
      /KILOWATCH_BILLING_ACCOUNT[\s\S]*KILOWATCH_NOTIFICATION_EMAIL/,
    );
    expect(() => checkPlaceholders(dev, { KILOWATCH_INFRA_STRICT: '1' })).toThrow(/placeholders remain/);
  });
});

describe('names', () => {
  it('keep service account ids and bucket names within Google limits, or say what to shorten', () => {
    const long = new Names({
      ...loadEnvironment('dev', {}),
      env: 'staging123',
      project: 'a-very-long-project-id-123456',
    });
    // The longest catalog role still fits with the longest environment name the schema allows.
    for (const fn of CATALOG_NAMES) expect(long.serviceAccount(`push-${fn}`).length).toBeLessThanOrEqual(30);
    expect(() => long.serviceAccount('push-anomaly-explainer')).toThrow(/shorten/);
    expect(long.bucket('archive').length).toBeLessThanOrEqual(63);
    const dev = new Names(loadEnvironment('dev', {}));
    for (const fn of CATALOG_NAMES) expect(dev.serviceAccount(`push-${fn}`).length).toBeLessThanOrEqual(30);
    expect(dev.deadLetterTopic('readings')).toBe('readings-dead-letter-dev');
    expect(dev.deadLetterTopic('readingsClean')).toBe('readings-clean-dead-letter-dev');
    expect(dev.deadLetterKeep('readings-clean-dead-letter-dev')).toBe('readings-clean-dead-letter-keep-dev');
  });
});

describe('function folders', () => {
  it('FUNCTION_NAMES has a catalog entry each (also a compile-time check)', () => {
    for (const n of FUNCTION_NAMES) expect(CATALOG_NAMES).toContain(n);
  });

  it('a folder without a FUNCTION_NAMES entry, or the reverse, stops synth with the fix', () => {
    const root = mkdtempSync(join(tmpdir(), 'kw-folders-'));
    mkdirSync(join(root, 'functions', 'local'), { recursive: true });
    mkdirSync(join(root, 'functions', 'ingest'));
    mkdirSync(join(root, 'functions', 'score'));
    expect(functionFolders(root)).toEqual(['ingest', 'score']);
    expect(deployableFunctions(root, ['ingest', 'score'])).toEqual(['ingest', 'score']);
    expect(() => deployableFunctions(root, ['ingest'])).toThrow(/functions\/score\/ exists but FUNCTION_NAMES/);
    expect(() => deployableFunctions(root, ['ingest', 'score', 'api'])).toThrow(/no functions\/api\/ folder/);
    mkdirSync(join(root, 'functions', 'billing'));
    expect(() => deployableFunctions(root, ['ingest', 'score', 'billing'])).toThrow(
      /"billing" has no entry in FUNCTION_CATALOG/,
    );
  });
});
