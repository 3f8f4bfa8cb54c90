import { dev } from './dev.js';
import { prod } from './prod.js';
import { isCatalogName } from './functions.js';
import { environmentSchema, usesPlaceholders, type EnvironmentConfig, type EnvironmentInput } from './schema.js';

export const ENVIRONMENTS = { dev, prod } as const satisfies Record<string, EnvironmentInput>;
export type EnvironmentName = keyof typeof ENVIRONMENTS;
export const ENVIRONMENT_NAMES = Object.keys(ENVIRONMENTS) as EnvironmentName[];

type Env = Readonly<Record<string, string | undefined>>;

/** Variable suffix -> where it lands in the config. KILOWATCH_<ENV>_<SUFFIX> beats KILOWATCH_<SUFFIX>. */
const OVERRIDES: Record<string, { path: string; apply: (c: EnvironmentInput, v: string) => EnvironmentInput }> = {
  GCP_PROJECT: { path: 'project', apply: (c, v) => ({ ...c, project: v }) },
  GCP_REGION: { path: 'region', apply: (c, v) => ({ ...c, region: v }) },
  BQ_LOCATION: { path: 'location', apply: (c, v) => ({ ...c, location: v }) },
  NOTIFICATION_EMAIL: {
    path: 'monitoring.notificationEmail',
    apply: (c, v) => ({ ...c, monitoring: { ...c.monitoring, notificationEmail: v } }),
  },
  BUDGET_USD: {
    path: 'budget.monthlyUsd',
    apply: (c, v) => ({ ...c, budget: { ...c.budget, monthlyUsd: v.trim() === '' ? Number.NaN : Number(v) } }),
  },
  BILLING_ACCOUNT: {
    path: 'budget.billingAccount',
    apply: (c, v) => ({ ...c, budget: { ...c.budget, billingAccount: v.trim() } }),
  },
  FORECAST_SCHEDULE: { path: 'forecastSchedule', apply: (c, v) => ({ ...c, forecastSchedule: v }) },
  TF_STATE_BUCKET: { path: 'stateBucket', apply: (c, v) => ({ ...c, stateBucket: v }) },
  READINGS_EXPIRY_DAYS: {
    path: 'retention.readingsExpiryDays',
    apply: (c, v) => ({
      ...c,
      retention: { ...c.retention, readingsExpiryDays: v.trim() === '' ? Number.NaN : Number(v) },
    }),
  },
  PUBLIC_FUNCTIONS: { path: 'functions', apply: (c, v) => withPublicFunctions(c, v) },
  API_INVOKERS: {
    path: 'functions.api.invokers',
    apply: (c, v) =>
      withApi(c, {
        invokers: v
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean),
      }),
  },
  API_IAP: { path: 'functions.api.iap', apply: (c, v) => withApi(c, { iap: v.trim() === 'true' }) },
  DEVICE_OIDC_ISSUER: {
    path: 'deviceFederation.issuerUri',
    apply: (c, v) => ({
      ...c,
      deviceFederation: {
        attributeCondition: "assertion.sub.startsWith('device:')",
        ...c.deviceFederation,
        issuerUri: v,
      },
    }),
  },
};

function withPublicFunctions(config: EnvironmentInput, list: string): EnvironmentInput {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!isCatalogName(n)) throw new Error(`KILOWATCH_PUBLIC_FUNCTIONS: unknown function "${n}"`);
  }
  const functions = Object.fromEntries(
    Object.entries(config.functions).map(([n, s]) => [n, { ...s, public: names.includes(n) }]),
  ) as EnvironmentInput['functions'];
  return { ...config, functions };
}

function withApi(config: EnvironmentInput, change: Partial<EnvironmentInput['functions']['api']>): EnvironmentInput {
  return { ...config, functions: { ...config.functions, api: { ...config.functions.api, ...change } } };
}

function lookup(env: Env, envName: string, suffix: string): { variable: string; value: string } | undefined {
  for (const variable of [`KILOWATCH_${envName.toUpperCase()}_${suffix}`, `KILOWATCH_${suffix}`]) {
    const value = env[variable];
    if (value !== undefined && value !== '') return { variable, value };
  }
  return undefined;
}

/**
 * The committed defaults for one environment, overridden by KILOWATCH_* variables, validated. A bad value
 * fails here, naming the field and the variable it came from.
 */
export function loadEnvironment(name: string, env: Env = process.env): EnvironmentConfig {
  if (!Object.hasOwn(ENVIRONMENTS, name)) {
    throw new Error(`unknown environment "${name}": expected one of ${ENVIRONMENT_NAMES.join(', ')} (infra/config/)`);
  }
  let input: EnvironmentInput = ENVIRONMENTS[name as EnvironmentName];
  const sources = new Map<string, string>();
  for (const [suffix, o] of Object.entries(OVERRIDES)) {
    const found = lookup(env, name, suffix);
    if (!found) continue;
    input = o.apply(input, found.value);
    sources.set(o.path, found.variable);
  }
  const parsed = environmentSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const path = i.path.join('.');
      const from = [...sources].find(([p]) => path === p || path.startsWith(`${p}.`))?.[1];
      return `  ${path}: ${i.message}${from ? ` (from ${from})` : ' (infra/config/' + name + '.ts)'}`;
    });
    throw new Error(`invalid infra configuration for ${name}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Placeholder values left in a config; KILOWATCH_INFRA_STRICT=1 turns them into errors. */
export function checkPlaceholders(config: EnvironmentConfig, env: Env = process.env): string[] {
  const found = usesPlaceholders(config).map((m) => `${config.env}: ${m}`);
  if (found.length > 0 && env.KILOWATCH_INFRA_STRICT === '1') {
    throw new Error(`KILOWATCH_INFRA_STRICT=1 and placeholders remain:\n  ${found.join('\n  ')}`);
  }
  return found;
}
