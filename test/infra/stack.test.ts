import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../shared/warehouse/schema/tables.js';
import { COPILOT_VIEWS } from '../../shared/warehouse/schema/copilot-views.js';
import { bigQueryFields, dedupViewName, dedupViewSql } from '../../shared/warehouse/schema/ddl.js';
import { configSchema, siteTopicName, TOPICS, topicName, type TopicRole } from '../../shared/config/env.js';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { SiteTopics } from '../../shared/devices/sites.js';
import { CATALOG_NAMES, FUNCTION_CATALOG } from '../../infra/config/functions.js';
import { deployableFunctions, functionFolders } from '../../infra/function-folders.js';
import { REQUIRED_APIS } from '../../infra/constructs/apis.js';
import { synthEnv, type Synth } from './synth.js';

const ENVS = ['dev', 'prod'] as const;
const SITES = DeviceRegistry.fromFile('data/devices.json').sites();
const PUBLIC_PRINCIPALS = ['allUsers', 'allAuthenticatedUsers'];

let folders: Record<string, Synth>;
let catalog: Synth;

beforeAll(() => {
  folders = Object.fromEntries(ENVS.map((e) => [e, synthEnv(e)]));
  catalog = synthEnv('dev', { functions: 'catalog' });
});

/** Bindings that let a function's own account invoke another: push subscriptions, the api calling the copilot. */
const callsAnother = (b: { account?: string }) => b.account?.startsWith('kw-push-') || b.account?.startsWith('kw-api-');
const each = () => ENVS.map((e) => [e] as const);

describe('functions', () => {
  it('deploys exactly the folders under functions/ except local, as FUNCTION_NAMES lists them', () => {
    expect(deployableFunctions()).toEqual(functionFolders());
  });

  it.each(each())('%s: one nodejs22 function per folder, entry point = folder name, own service account', (env) => {
    const s = folders[env]!;
    const fns = s.bodies('google_cloudfunctions2_function');
    expect(fns.map((f) => f.build_config.entry_point).sort()).toEqual(functionFolders());
    const accounts = new Set<string>();
    for (const f of fns) {
      const name = f.build_config.entry_point as string;
      expect(f.name).toBe(`${name}-${env}`);
      expect(f.build_config.runtime).toBe('nodejs22');
      expect(f.build_config.environment_variables).toEqual({ ONNXRUNTIME_NODE_INSTALL: 'skip' });
      expect(f.build_config.source.storage_source.object).toMatch(/^\$\{google_storage_bucket_object\./);
      const sa = s.ref(f.service_config.service_account_email).body.account_id as string;
      expect(sa).toBe(`kw-${name}-${env}`);
      accounts.add(sa);
    }
    expect(accounts.size).toBe(fns.length);
  });

  it('every catalog function gets its own runtime account and sizing from config', () => {
    const fns = catalog.bodies('google_cloudfunctions2_function');
    expect(fns.map((f) => f.build_config.entry_point).sort()).toEqual([...CATALOG_NAMES].sort());
    const sas = fns.map((f) => catalog.ref(f.service_config.service_account_email).body.account_id);
    expect(new Set(sas).size).toBe(fns.length);
    const forecast = fns.find((f) => f.build_config.entry_point === 'forecast')!;
    expect(forecast.service_config).toMatchObject({
      available_memory: '1Gi',
      max_instance_request_concurrency: 1,
      min_instance_count: 0,
      max_instance_count: 2,
      timeout_seconds: 540,
    });
    const prodIngest = folders.prod!.bodies('google_cloudfunctions2_function').find((f) => f.name === 'ingest-prod')!;
    expect(prodIngest.service_config.min_instance_count).toBe(1);
  });

  it.each(each())(
    '%s: environment variables satisfy the runtime config schema and name the created resources',
    (env) => {
      const s = folders[env]!;
      for (const f of s.bodies('google_cloudfunctions2_function')) {
        const vars = f.service_config.environment_variables as Record<string, string>;
        expect(vars).toMatchObject({
          KILOWATCH_BACKEND: 'gcp',
          GOOGLE_CLOUD_PROJECT: `kilowatch-${env}`,
          KILOWATCH_ENV: env,
          KILOWATCH_BQ_DATASET: `kilowatch_${env}`,
          KILOWATCH_BQ_LOCATION: 'EU',
        });
        // The api's copilot URL is the copilot function's, known at apply time: a reference here.
        if (f.name === `api-${env}`) {
          const copilot = s.bodies('google_cloudfunctions2_function').find((c) => c.name === `copilot-${env}`);
          if (copilot) expect(s.ref(vars.KILOWATCH_COPILOT_URL!).body).toBe(copilot);
        }
        const runtime = configSchema.parse({ ...vars, KILOWATCH_COPILOT_URL: 'https://copilot.example.run.app' });
        const topics = new Set(s.bodies('google_pubsub_topic').map((t) => t.name));
        for (const role of Object.keys(TOPICS) as TopicRole[]) expect(topics).toContain(topicName(runtime, role));
        expect(s.bodies('google_bigquery_dataset').map((d) => d.dataset_id)).toContain(runtime.KILOWATCH_BQ_DATASET);
      }
    },
  );

  it('push-delivered functions accept internal traffic only; HTTP ones are reachable but private', () => {
    for (const f of catalog.bodies('google_cloudfunctions2_function')) {
      const trigger = FUNCTION_CATALOG[f.build_config.entry_point as keyof typeof FUNCTION_CATALOG].trigger.kind;
      expect(f.service_config.ingress_settings).toBe(trigger === 'push' ? 'ALLOW_INTERNAL_ONLY' : 'ALLOW_ALL');
      expect(f.event_trigger).toBeUndefined();
    }
  });
});

describe('least privilege', () => {
  const rolesOf = (s: Synth, account: string) =>
    s
      .bindings()
      .filter((b) => b.account === account)
      .map((b) => `${b.type.replace(/^google_|_iam_member$/g, '')}:${b.role}`)
      .sort();

  it('ingest: dataEditor on the dataset, jobUser, publisher on readings-clean and the dead-letter topic only', () => {
    const s = folders.dev!;
    expect(rolesOf(s, 'kw-ingest-dev')).toEqual([
      'bigquery_dataset:roles/bigquery.dataEditor',
      'project:roles/bigquery.jobUser',
      'pubsub_topic:roles/pubsub.publisher',
      'pubsub_topic:roles/pubsub.publisher',
    ]);
    const topics = s
      .bindings()
      .filter((b) => b.account === 'kw-ingest-dev' && b.type === 'google_pubsub_topic_iam_member')
      .map((b) => s.ref(b.body.topic).body.name)
      .sort();
    expect(topics).toEqual(['readings-clean-dev', 'readings-dead-letter-dev']);
  });

  it('no BigQuery data role is granted on the whole project', () => {
    for (const s of [...Object.values(folders), catalog]) {
      const projectRoles = s.bodies('google_project_iam_member').map((b) => b.role);
      expect(projectRoles.filter((r) => /bigquery\.data|pubsub\.|storage\.|secretmanager\./.test(r))).toEqual([]);
    }
  });

  it('only the copilot identity may call Vertex AI', () => {
    const vertex = catalog.bindings().filter((b) => b.role.startsWith('roles/aiplatform'));
    expect(vertex.map((b) => b.account)).toEqual(['kw-copilot-dev']);
    expect(rolesOf(catalog, 'kw-copilot-dev')).toContain('project:roles/aiplatform.user');
  });

  it('copilot: reads the warehouse and its views dataset, writes only its own two tables, calls Vertex AI; private, configured for Gemini', () => {
    const s = folders.dev!;
    expect(rolesOf(s, 'kw-copilot-dev')).toEqual([
      'bigquery_dataset:roles/bigquery.dataViewer',
      'bigquery_dataset:roles/bigquery.dataViewer',
      'bigquery_table:roles/bigquery.dataEditor',
      'bigquery_table:roles/bigquery.dataEditor',
      'project:roles/aiplatform.user',
      'project:roles/bigquery.jobUser',
    ]);
    const written = s
      .bindings()
      .filter((b) => b.account === 'kw-copilot-dev' && b.type === 'google_bigquery_table_iam_member')
      .map((b) => s.ref(b.body.table_id).body.table_id)
      .sort();
    expect(written).toEqual(['copilot_calls', 'copilot_turns']);
    const views = s
      .bodies('google_bigquery_table')
      .filter((t) => String(t.table_id).startsWith('copilot_') && !String(t.table_id).endsWith('_dedup') && t.view);
    expect(views.map((v) => v.table_id).sort()).toEqual([
      'copilot_alerts',
      'copilot_anomaly_scores',
      'copilot_devices',
      'copilot_forecasts',
      'copilot_readings',
      'copilot_rejected',
      'copilot_usage',
    ]);
    for (const v of views) expect(v.view.query).toMatch(/FROM `[^`]+\.kilowatch_dev\.\w+_dedup`$/);
    expect(s.bodies('google_bigquery_dataset_access')).toHaveLength(views.length);
    const fn = s.bodies('google_cloudfunctions2_function').find((f) => f.build_config.entry_point === 'copilot')!;
    expect(fn.service_config.environment_variables).toMatchObject({
      KILOWATCH_LLM: 'vertex',
      KILOWATCH_LLM_MODEL: 'gemini-2.5-flash',
      KILOWATCH_COPILOT_DATASET: 'kilowatch_copilot_dev',
    });
    expect(
      s.bindings().filter((b) => PUBLIC_PRINCIPALS.includes(b.member) && JSON.stringify(b.body).includes('copilot')),
    ).toEqual([]);
  });

  it('only api may read the API keys secret (the copilot reaches Vertex AI with its identity, no key), only notify the webhooks secret', () => {
    const readers = catalog.bindings().filter((b) => b.role === 'roles/secretmanager.secretAccessor');
    const of = (secret: string) =>
      readers
        .filter((b) => (catalog.ref(b.body.secret_id as string).body.secret_id as string).includes(secret))
        .map((b) => b.account)
        .sort();
    expect(of('api-keys')).toEqual(['kw-api-dev']);
    expect(of('webhooks')).toEqual(['kw-notify-dev']);
  });

  it('recommend: the dataset, alerts, models read-only except the health marks', () => {
    expect(rolesOf(catalog, 'kw-recommend-dev')).toEqual([
      'bigquery_dataset:roles/bigquery.dataEditor',
      'project:roles/bigquery.jobUser',
      'pubsub_topic:roles/pubsub.publisher',
      'storage_bucket:roles/storage.objectUser',
      'storage_bucket:roles/storage.objectViewer',
    ]);
    const health = catalog
      .bindings()
      .find((b) => b.account === 'kw-recommend-dev' && b.role === 'roles/storage.objectUser')!;
    expect(health.body.condition).toEqual({
      title: 'health-marks-only',
      expression: 'resource.name.endsWith("/health.json")',
    });
  });

  it('notify: one instance, webhooks from Secret Manager, writes incidents and dead-letters only', () => {
    for (const [env] of each()) {
      const fn = folders[env]!.bodies('google_cloudfunctions2_function').find((f) => f.name === `notify-${env}`)!;
      const service = fn.service_config as {
        max_instance_count: number;
        secret_environment_variables: Array<Record<string, string>>;
      };
      expect(service.max_instance_count).toBe(1);
      expect(service.secret_environment_variables).toEqual([
        expect.objectContaining({ key: 'KILOWATCH_WEBHOOKS', version: 'latest' }),
      ]);
    }
    expect(rolesOf(catalog, 'kw-notify-dev')).toEqual([
      'bigquery_dataset:roles/bigquery.dataEditor',
      'project:roles/bigquery.jobUser',
      'pubsub_topic:roles/pubsub.publisher',
      'secret_manager_secret:roles/secretmanager.secretAccessor',
    ]);
  });

  it('api reads the warehouse, writes alert acknowledgements only, publishes to alerts only and may call the copilot', () => {
    expect(rolesOf(catalog, 'kw-api-dev')).toEqual([
      'bigquery_dataset:roles/bigquery.dataViewer',
      'bigquery_table:roles/bigquery.dataEditor',
      'cloud_run_v2_service:roles/run.invoker',
      'project:roles/bigquery.jobUser',
      'pubsub_topic:roles/pubsub.publisher',
      'secret_manager_secret:roles/secretmanager.secretAccessor',
      'storage_bucket:roles/storage.objectViewer',
    ]);
    const [write] = catalog
      .bindings()
      .filter((b) => b.account === 'kw-api-dev' && b.type === 'google_bigquery_table_iam_member');
    expect(catalog.ref(write!.body.table_id).body.table_id).toBe('alert_acks');
    // People's incident commands go to the notify function on the alerts topic: that topic and no other.
    const publishes = catalog
      .bindings()
      .filter((b) => b.account === 'kw-api-dev' && b.type === 'google_pubsub_topic_iam_member');
    expect(publishes.map((b) => [b.role, catalog.ref(b.body.topic).body.name])).toEqual([
      ['roles/pubsub.publisher', 'alerts-dev'],
    ]);
    // The incidents it lists: read through its dataViewer role on the dataset that holds them.
    const dataset = catalog
      .bindings()
      .find((b) => b.account === 'kw-api-dev' && b.type === 'google_bigquery_dataset_iam_member')!;
    const incidentsTable = catalog.bodies('google_bigquery_table').find((t) => t.table_id === 'incidents')!;
    expect(incidentsTable.dataset_id).toBe(dataset.body.dataset_id);
  });

  it("each site's device identity can publish to its site's topic and nothing else; no device may publish to the shared topic", () => {
    const s = folders.prod!;
    for (const site of SITES) {
      const b = s.bindings().filter((x) => x.account === `kw-site-${site}-prod`);
      expect(b).toHaveLength(1);
      expect(b[0]!.role).toBe('roles/pubsub.publisher');
      expect(s.ref(b[0]!.body.topic).body.name).toBe(`readings.${site}-prod`);
    }
    const shared = s
      .bindings()
      .filter((x) => x.type === 'google_pubsub_topic_iam_member' && s.ref(x.body.topic).body.name === 'readings-prod');
    expect(shared).toEqual([]);
  });

  it("binds each site's topic to ingest through the push endpoint path, which ingest reads as the site", () => {
    const s = folders.prod!;
    const cloud = configSchema.parse({ KILOWATCH_BACKEND: 'gcp', GOOGLE_CLOUD_PROJECT: 'p', KILOWATCH_ENV: 'prod' });
    for (const site of SITES) {
      const [sub] = s.bodies('google_pubsub_subscription').filter((b) => b.name === `readings.${site}-to-ingest-prod`);
      expect(s.ref(sub!.topic).body.name).toBe(siteTopicName(cloud, site));
      expect(sub!.push_config.push_endpoint).toMatch(new RegExp(`/projects/[^/]+/topics/readings\\.${site}-prod$`));
      const endpointTopic = /\/topics\/(.+)$/.exec(sub!.push_config.push_endpoint as string)![1]!;
      const sites = new SiteTopics(cloud, DeviceRegistry.fromFile('data/devices.json'));
      expect(sites.bindingOf(`//pubsub.googleapis.com/projects/p/topics/${endpointTopic}`)).toEqual({
        topic: endpointTopic,
        site,
      });
    }
  });

  it('each push invoker may invoke only its own function', () => {
    const invokers = catalog.bindings().filter((b) => b.account?.startsWith('kw-push-'));
    const pushFns = CATALOG_NAMES.filter((n) => FUNCTION_CATALOG[n].trigger.kind === 'push');
    expect(invokers).toHaveLength(pushFns.length);
    for (const b of invokers) {
      expect(b.role).toBe('roles/run.invoker');
      const fn = catalog.ref(b.body.name).body.name as string;
      expect(b.account).toBe(`kw-push-${fn.replace(/-dev$/, '')}-dev`);
    }
  });
});

describe('public endpoints', () => {
  it.each(each())('%s: no binding grants allUsers or allAuthenticatedUsers by default', (env) => {
    for (const s of [folders[env]!, ...(env === 'dev' ? [catalog] : [])]) {
      const json = JSON.stringify(s.json);
      for (const p of PUBLIC_PRINCIPALS) expect(json).not.toContain(p);
    }
  });

  it('config can mark the api public: allUsers run.invoker on the api only', () => {
    const s = synthEnv('dev', { functions: 'catalog', vars: { KILOWATCH_PUBLIC_FUNCTIONS: 'api' } });
    const pub = s.bindings().filter((b) => PUBLIC_PRINCIPALS.includes(b.member));
    expect(pub).toHaveLength(1);
    expect(pub[0]!.role).toBe('roles/run.invoker');
    expect(s.ref(pub[0]!.body.name).body.name).toBe('api-dev');
  });

  it('the api is private by default: no run.invoker binding on it at all', () => {
    const api = catalog.bodies('google_cloudfunctions2_function').find((f) => f.name === 'api-dev')!;
    expect(api.service_config.ingress_settings).toBe('ALLOW_ALL');
    const invokers = catalog.bindings().filter((b) => b.role === 'roles/run.invoker' && !callsAnother(b));
    expect(invokers).toEqual([]);
  });

  it("the api's account may invoke the copilot, which the api calls with its ID token", () => {
    const [binding, ...more] = catalog
      .bindings()
      .filter((b) => b.role === 'roles/run.invoker' && b.account === 'kw-api-dev');
    expect(more).toEqual([]);
    expect(catalog.ref(binding!.body.name).body.name).toBe('copilot-dev');
  });

  it('configured invokers (groups, service accounts) get run.invoker on the api only', () => {
    const members = ['group:operators@example.com', 'serviceAccount:grafana@kw.iam.gserviceaccount.com'];
    const s = synthEnv('dev', { functions: 'catalog', vars: { KILOWATCH_API_INVOKERS: members.join(',') } });
    const invokers = s.bindings().filter((b) => b.role === 'roles/run.invoker' && !callsAnother(b));
    expect(invokers.map((b) => b.member).sort()).toEqual(members.sort());
    for (const b of invokers) expect(s.ref(b.body.name).body.name).toBe('api-dev');
    expect(() => synthEnv('dev', { vars: { KILOWATCH_API_INVOKERS: 'allUsers' } })).toThrow(/a member like group:/);
  });

  it('IAP mode: ingress from the load balancer only, and the api trusts the IAP identity header', () => {
    const s = synthEnv('dev', { functions: 'catalog', vars: { KILOWATCH_API_IAP: 'true' } });
    const api = s.bodies('google_cloudfunctions2_function').find((f) => f.name === 'api-dev')!;
    expect(api.service_config.ingress_settings).toBe('ALLOW_INTERNAL_AND_GCLB');
    expect(api.service_config.environment_variables.KILOWATCH_API_TRUST_IAP).toBe('true');
    const others = s.bodies('google_cloudfunctions2_function').filter((f) => f.name !== 'api-dev');
    for (const f of others) expect(f.service_config.environment_variables.KILOWATCH_API_TRUST_IAP).toBeUndefined();
  });

  it('the copilot trusts the identity header only behind an IAP api that is its one caller', () => {
    const trusts = (vars: Record<string, string>) =>
      synthEnv('dev', { functions: 'catalog', vars })
        .bodies('google_cloudfunctions2_function')
        .filter((f) => f.service_config.environment_variables.KILOWATCH_COPILOT_TRUST_IAP === 'true')
        .map((f) => f.name);
    expect(trusts({ KILOWATCH_API_IAP: 'true' })).toEqual(['copilot-dev']);
    expect(trusts({})).toEqual([]);
    // Anyone else who may invoke the copilot could name any identity.
    expect(trusts({ KILOWATCH_API_IAP: 'true', KILOWATCH_PUBLIC_FUNCTIONS: 'copilot' })).toEqual([]);
  });

  it('a push-delivered function cannot be made public', () => {
    expect(() => synthEnv('dev', { vars: { KILOWATCH_PUBLIC_FUNCTIONS: 'ingest' } })).toThrow(/only HTTP functions/);
  });
});

describe('storage', () => {
  it.each(each())('%s: every bucket enforces uniform access and public access prevention', (env) => {
    const buckets = folders[env]!.bodies('google_storage_bucket');
    expect(buckets).toHaveLength(3);
    for (const b of buckets) {
      expect(b.uniform_bucket_level_access).toBe(true);
      expect(b.public_access_prevention).toBe('enforced');
      expect(b.name).toContain(`kilowatch-${env}`);
      expect(b.name).toContain(`-${env}-`);
    }
    expect(folders[env]!.bodies('google_storage_bucket_acl')).toEqual([]);
  });

  it('the model registry keeps versions; the archive moves to colder classes; prod data survives destroy', () => {
    const byPurpose = (s: Synth, p: string) => s.bodies('google_storage_bucket').find((b) => b.name.endsWith(`-${p}`))!;
    expect(byPurpose(folders.dev!, 'models').versioning).toEqual({ enabled: true });
    const rules = byPurpose(folders.dev!, 'archive').lifecycle_rule as Array<{ action: { storage_class: string } }>;
    expect(rules.map((r) => r.action.storage_class)).toEqual(['NEARLINE', 'COLDLINE', 'ARCHIVE']);
    for (const b of folders.prod!.bodies('google_storage_bucket')) expect(b.force_destroy).toBe(false);
  });
});

describe('delivery', () => {
  for (const [label, get] of [
    ['dev (folders)', () => folders.dev!],
    ['prod (folders)', () => folders.prod!],
    ['dev (catalog)', () => catalog],
  ] as const) {
    it(`${label}: every subscription pushing to a function has OIDC auth, retry backoff and a bounded dead-letter policy`, () => {
      const s = get();
      const push = s.bodies('google_pubsub_subscription').filter((b) => b.push_config);
      const pushFns = s
        .bodies('google_cloudfunctions2_function')
        .filter(
          (f) => FUNCTION_CATALOG[f.build_config.entry_point as keyof typeof FUNCTION_CATALOG].trigger.kind === 'push',
        );
      // One per push function, and one more per site of the registry for ingest.
      const sites = pushFns.some((f) => f.build_config.entry_point === 'ingest') ? SITES.length : 0;
      expect(push).toHaveLength(pushFns.length + sites);
      for (const sub of push) {
        expect(sub.push_config.oidc_token.service_account_email).toMatch(/google_service_account\..*\.email/);
        expect(sub.push_config.push_endpoint).toMatch(/service_config\[0\]\.uri\}\/projects\/.+\/topics\/.+/);
        expect(sub.retry_policy.minimum_backoff).toMatch(/^\d+s$/);
        expect(sub.retry_policy.maximum_backoff).toMatch(/^\d+s$/);
        const attempts = sub.dead_letter_policy.max_delivery_attempts as number;
        expect(attempts).toBeGreaterThanOrEqual(5);
        expect(attempts).toBeLessThanOrEqual(10);
        expect(sub.expiration_policy).toEqual({ ttl: '' });
        // Device-keyed topics deliver one message per device at a time, in order (the scorer relies on it).
        const source = s.ref(sub.topic).body.name as string;
        expect(sub.enable_message_ordering).toBe(/^readings(-clean|\.[a-z0-9-]+)?-/.test(source));
        const dlTopic = s.ref(sub.dead_letter_policy.dead_letter_topic);
        expect(dlTopic.body.name).toMatch(/dead-letter/);
        // The service agent must be able to acknowledge on the source subscription to forward dead letters.
        const subscriber = s
          .bodies('google_pubsub_subscription_iam_member')
          .filter((b) => b.role === 'roles/pubsub.subscriber' && s.ref(b.subscription).body.name === sub.name);
        expect(subscriber.map((b) => b.member)).toEqual([
          'serviceAccount:service-${data.google_project.project.number}@gcp-sa-pubsub.iam.gserviceaccount.com',
        ]);
      }
    });

    it(`${label}: each dead-letter topic keeps its messages 7 days and lets the service agent publish`, () => {
      const s = get();
      const dlTopics = s.all('google_pubsub_topic').filter((t) => (t.body.name as string).includes('dead-letter'));
      expect(dlTopics.length).toBeGreaterThanOrEqual(1);
      for (const t of dlTopics) {
        const keep = s
          .bodies('google_pubsub_subscription')
          .filter((sub) => sub.topic === `\${google_pubsub_topic.${t.id}.id}`);
        expect(keep).toHaveLength(1);
        expect(keep[0]!.push_config).toBeUndefined();
        expect(keep[0]!.message_retention_duration).toBe('604800s');
        expect(keep[0]!.retain_acked_messages).toBe(true);
        const publishers = s
          .bodies('google_pubsub_topic_iam_member')
          .filter((b) => b.topic === `\${google_pubsub_topic.${t.id}.name}` && b.member.includes('gcp-sa-pubsub'));
        expect(publishers.map((b) => b.role)).toEqual(['roles/pubsub.publisher']);
      }
    });
  }

  it('all topics of TOPICS exist with <topic>-<env> names', () => {
    for (const env of ENVS) {
      const names = folders[env]!.bodies('google_pubsub_topic').map((t) => t.name);
      for (const t of Object.values(TOPICS)) expect(names).toContain(`${t}-${env}`);
    }
  });

  it('the scheduler publishes forecast ticks to forecast-tick and alert sweeps to alerts', () => {
    const jobs = folders.dev!.bodies('google_cloud_scheduler_job');
    const sweep = jobs.find((j) => String(j.name).includes('alerts-sweep'))!;
    expect(folders.dev!.ref(sweep.pubsub_target.topic_name).body.name).toBe('alerts-dev');
    expect(sweep.schedule).toBe('*/5 * * * *');
    expect(JSON.parse(Buffer.from(sweep.pubsub_target.data, 'base64').toString())).toEqual({ command: 'sweep' });
    const daily = jobs.find((j) => String(j.name).includes('maintenance-tick'))!;
    expect(folders.dev!.ref(daily.pubsub_target.topic_name).body.name).toBe('maintenance-tick-dev');
    expect(daily.schedule).toBe('0 5 * * *');
    const job = jobs.find((j) => String(j.name).includes('forecast-tick'));
    expect(folders.dev!.ref(job!.pubsub_target.topic_name).body.name).toBe('forecast-tick-dev');
    expect(job!.schedule).toBe('0 * * * *');
    expect(Buffer.from(job!.pubsub_target.data, 'base64').toString()).toContain('forecast-tick');
  });
});

describe('warehouse', () => {
  it.each(each())('%s: every table is day-partitioned, clustered, and its schema equals bigQueryFields', (env) => {
    const s = folders[env]!;
    expect(
      s
        .bodies('google_bigquery_dataset')
        .map((d) => d.dataset_id)
        .sort(),
    ).toEqual([`kilowatch_copilot_${env}`, `kilowatch_${env}`]);
    const tables = s.bodies('google_bigquery_table');
    for (const table of TABLES) {
      const t = tables.find((x) => x.table_id === table.name)!;
      expect(t, table.name).toBeDefined();
      expect(t.time_partitioning).toEqual({ type: 'DAY', field: table.partitionBy });
      expect(t.clustering).toEqual([...table.clusterBy]);
      expect(t.require_partition_filter).toBe(false);
      expect(JSON.parse(t.schema)).toEqual(bigQueryFields(table));
      expect(t.expiration_time).toBeUndefined();

      const v = tables.find((x) => x.table_id === dedupViewName(table))!;
      expect(v.view).toEqual({
        query: dedupViewSql(table, `\`kilowatch-${env}.kilowatch_${env}.${table.name}\``),
        use_legacy_sql: false,
      });
    }
    // Each table and its dedup view in the warehouse, the archive's external table, device_last_seen, the copilot_* views.
    expect(tables).toHaveLength(TABLES.length * 2 + 2 + COPILOT_VIEWS.length);
    expect(s.bodies('google_bigquery_dataset')[0]!.default_table_expiration_ms).toBeUndefined();
  });

  it('prod tables are protected from deletion, dev ones are not', () => {
    expect(folders.prod!.bodies('google_bigquery_table').every((t) => t.deletion_protection === true)).toBe(true);
    expect(folders.dev!.bodies('google_bigquery_table').every((t) => t.deletion_protection === false)).toBe(true);
  });
});

describe('platform', () => {
  it.each(each())('%s: enables every required API without disabling it on destroy', (env) => {
    const services = folders[env]!.bodies('google_project_service');
    expect(services.map((s) => s.service).sort()).toEqual([...REQUIRED_APIS].sort());
    for (const s of services) expect(s.disable_on_destroy).toBe(false);
  });

  it.each(each())('%s: the budget exists with 50/90/100 %% thresholds, default 50 USD', (env) => {
    const [budget, ...rest] = folders[env]!.bodies('google_billing_budget');
    expect(rest).toEqual([]);
    expect(budget!.amount.specified_amount).toEqual({ currency_code: 'USD', units: '50' });
    expect(budget!.threshold_rules.map((r: { threshold_percent: number }) => r.threshold_percent)).toEqual([
      0.5, 0.9, 1,
    ]);
    expect(budget!.budget_filter.projects).toEqual(['projects/${data.google_project.project.number}']);
    expect(budget!.all_updates_rule.monitoring_notification_channels).toHaveLength(1);
  });

  it('budget amount and billing account come from the environment', () => {
    const s = synthEnv('prod', {
      vars: { KILOWATCH_BUDGET_USD: '250.5', KILOWATCH_BILLING_ACCOUNT: '01AB23-45CD67-89EF01' },
    });
    const [budget] = s.bodies('google_billing_budget');
    expect(budget!.amount.specified_amount).toEqual({ currency_code: 'USD', units: '250', nanos: 500000000 });
    expect(budget!.billing_account).toBe('01AB23-45CD67-89EF01');
  });

  it.each(each())('%s: alerts on dead letters, function errors and ingest silence go to the email channel', (env) => {
    const s = folders[env]!;
    const [channel] = s.all('google_monitoring_notification_channel');
    expect(channel!.body.type).toBe('email');
    const policies = s.bodies('google_monitoring_alert_policy');
    expect(policies).toHaveLength(3);
    for (const p of policies) {
      expect(p.notification_channels).toEqual([`\${google_monitoring_notification_channel.${channel!.id}.id}`]);
    }
    const filters = policies.flatMap((p) => p.conditions).map((c: any) => JSON.stringify(c));
    expect(
      filters.some((f) => f.includes('num_undelivered_messages') && f.includes(`readings-dead-letter-keep-${env}`)),
    ).toBe(true);
    expect(filters.some((f) => f.includes('run.googleapis.com/request_count') && f.includes('5xx'))).toBe(true);
    const absent = policies.flatMap((p) => p.conditions).filter((c: any) => c.condition_absent);
    expect(absent.map((c: any) => c.condition_absent.filter).join(' ')).toContain(`readings-${env}`);
  });

  it.each(each())('%s: every named resource carries the environment', (env) => {
    const s = folders[env]!;
    const nameKeys = ['name', 'account_id', 'dataset_id', 'secret_id', 'display_name', 'workload_identity_pool_id'];
    const skip = new Set(['google_bigquery_table', 'google_project_service', 'google_storage_bucket_object']);
    let checked = 0;
    for (const [type, rs] of Object.entries(s.json.resource)) {
      if (skip.has(type) || type.endsWith('_iam_member')) continue;
      for (const body of Object.values(rs)) {
        const key = nameKeys.find((k) => typeof body[k] === 'string' && !body[k].startsWith('${'));
        if (!key) continue;
        checked += 1;
        expect(`${type}.${key}=${body[key]}`).toMatch(new RegExp(`[-_ ]${env}\\b|\\b${env}[-_:]`));
      }
    }
    expect(checked).toBeGreaterThan(20);
    for (const f of s.bodies('google_storage_bucket_object'))
      expect(f.name).toMatch(/^functions\/[a-z]+\/[0-9a-f]+\.zip$/);
  });

  it('prod drops request logs of successful push deliveries only; dev keeps them', () => {
    expect(folders.dev!.bodies('google_logging_project_exclusion')).toEqual([]);
    const [ex, ...rest] = folders.prod!.bodies('google_logging_project_exclusion');
    expect(rest).toEqual([]);
    expect(ex!.name).toBe('kilowatch-push-ok-requests-prod');
    expect(ex!.filter).toContain('log_id("run.googleapis.com/requests")');
    expect(ex!.filter).toContain('httpRequest.status < 400');
    expect(ex!.filter).toContain('"ingest-prod"');
  });

  it('device onboarding by workload identity federation, when an issuer is configured', () => {
    expect(folders.dev!.bodies('google_iam_workload_identity_pool')).toEqual([]);
    const s = synthEnv('dev', { vars: { KILOWATCH_DEVICE_OIDC_ISSUER: 'https://fleet.example.com' } });
    const [pool] = s.bodies('google_iam_workload_identity_pool');
    expect(pool!.workload_identity_pool_id).toBe('kw-devices-dev');
    const [provider] = s.bodies('google_iam_workload_identity_pool_provider');
    expect(provider!.oidc.issuer_uri).toBe('https://fleet.example.com');
    expect(provider!.attribute_mapping).toEqual({
      'google.subject': 'assertion.sub',
      'attribute.site': 'assertion.site',
    });
    // A device acts only as the publisher of the site its token names.
    const wi = s.bindings().filter((b) => b.role === 'roles/iam.workloadIdentityUser');
    expect(wi).toHaveLength(SITES.length);
    for (const site of SITES) {
      const binding = wi.find((b) => s.ref(b.body.service_account_id).body.account_id === `kw-site-${site}-dev`)!;
      expect(binding.member).toMatch(
        new RegExp(
          `^principalSet://iam\\.googleapis\\.com/projects/.+/workloadIdentityPools/.+/attribute\\.site/${site}$`,
        ),
      );
    }
  });
});
