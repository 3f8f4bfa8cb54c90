import { fileURLToPath } from 'node:url';
import { Construct } from 'constructs';
import { GcsBackend, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { FUNCTION_CATALOG, type CatalogName } from './config/functions.js';
import type { EnvironmentConfig } from './config/schema.js';
import { Names } from './naming.js';
import { resolveSource, type FunctionSource, type SourceMode } from './sources.js';
import { Apis } from './constructs/apis.js';
import { PubSub } from './constructs/pubsub.js';
import { Warehouse } from './constructs/bigquery.js';
import { Storage } from './constructs/storage.js';
import { Secrets } from './constructs/secrets.js';
import { Identities } from './constructs/identities.js';
import { KilowatchFunction } from './constructs/functions.js';
import { Delivery } from './constructs/delivery.js';
import { Scheduler } from './constructs/scheduler.js';
import { Monitoring } from './constructs/monitoring.js';
import { Budget } from './constructs/budget.js';
import { LogCosts } from './constructs/logging.js';
import { DeviceRegistry } from '../shared/devices/registry.js';

/** The registry the ingest function ships with (FUNCTION_CATALOG.ingest.bundle): its sites get their own topics. */
const DEVICE_REGISTRY = fileURLToPath(new URL('../data/devices.json', import.meta.url));

export interface KilowatchStackProps {
  readonly config: EnvironmentConfig;
  /** Functions to deploy; main.ts passes FUNCTION_NAMES after checking them against functions/. */
  readonly functions: readonly CatalogName[];
  /** 'placeholder' ignores staged builds (tests); 'auto' uses dist/deploy/<fn> when present. */
  readonly sources?: SourceMode;
}

export function stackName(env: string): string {
  return `kilowatch-${env}`;
}

/** One environment of kilowatch: everything it needs in one Google Cloud project. */
export class KilowatchStack extends TerraformStack {
  readonly names: Names;
  readonly sources = new Map<CatalogName, FunctionSource>();

  constructor(scope: Construct, props: KilowatchStackProps) {
    const { config } = props;
    super(scope, stackName(config.env));
    const names = (this.names = new Names(config));
    const project = config.project;

    if (config.stateBucket) {
      new GcsBackend(this, { bucket: config.stateBucket, prefix: `kilowatch/${config.env}` });
    } else {
      // Relative to the stack folder infra/cdktf.out/stacks/<stack>/: the repo root, outside the synth output
      // (re-synthesizing must never delete state) and machine-independent (no absolute path in the JSON).
      new LocalBackend(this, { path: `../../../../terraform.${stackName(config.env)}.tfstate` });
    }
    new GoogleProvider(this, 'google', {
      project,
      region: config.region,
      defaultLabels: { app: 'kilowatch', env: config.env },
    });
    const billingProvider = new GoogleProvider(this, 'google-billing', {
      alias: 'billing',
      project,
      region: config.region,
      billingProject: project,
      userProjectOverride: true,
    });

    const apis = new Apis(this, 'apis', { project });
    const dependsOn = apis.enabled;
    const projectData = new DataGoogleProject(this, 'project', { projectId: project, dependsOn });
    const projectNumber = projectData.number;
    const pubsubServiceAgent = `serviceAccount:service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;

    const pubsub = new PubSub(this, 'pubsub', {
      project,
      names,
      pubsubServiceAgent,
      deadLetterRetention: config.delivery.deadLetterRetention,
      sites: DeviceRegistry.fromFile(DEVICE_REGISTRY).sites(),
      dependsOn,
    });
    const storage = new Storage(this, 'storage', {
      project,
      location: config.location,
      names,
      destroyData: config.destroyData,
      archive: {
        nearlineAfterDays: config.storage.archiveNearlineAfterDays,
        coldlineAfterDays: config.storage.archiveColdlineAfterDays,
        archiveAfterDays: config.storage.archiveArchiveAfterDays,
      },
      dependsOn,
    });
    const warehouse = new Warehouse(this, 'bigquery', {
      project,
      location: config.location,
      names,
      destroyData: config.destroyData,
      archiveBucket: names.bucket('archive'),
      ...(config.retention.readingsExpiryDays !== undefined
        ? { readingsExpiryDays: config.retention.readingsExpiryDays }
        : {}),
      dependsOn,
    });
    const secrets = new Secrets(this, 'secrets', { project, names, dependsOn });

    const deployed = [...props.functions].sort();
    // Raw readings may expire only where roll-ups and the monthly export keep their history.
    const keepers = (['rollup', 'archive'] as const).filter((n) => !deployed.includes(n));
    if (config.retention.readingsExpiryDays !== undefined && keepers.length > 0)
      throw new Error(
        `retention.readingsExpiryDays is set but ${keepers.join(' and ')} is not deployed: expired readings would be lost`,
      );
    const identities = new Identities(this, 'identities', {
      config,
      names,
      projectNumber,
      functions: deployed.map((name) => ({ name, access: FUNCTION_CATALOG[name].access })),
      topics: pubsub.topics,
      siteTopics: pubsub.siteTopics,
      dataset: warehouse.dataset,
      copilotDataset: warehouse.copilotDataset,
      tables: warehouse.tables,
      storage,
      secrets,
      dependsOn,
    });

    // The copilot first: the api is told its URL and may call it with its own ID token.
    const built = new Map<CatalogName, KilowatchFunction>();
    for (const name of [...deployed].sort((a, b) => Number(b === 'copilot') - Number(a === 'copilot'))) {
      const spec = FUNCTION_CATALOG[name];
      const copilot = name === 'api' ? built.get('copilot') : undefined;
      const source = resolveSource(name, props.sources ?? 'auto');
      this.sources.set(name, source);
      const fn = new KilowatchFunction(this, `function-${name}`, {
        name,
        spec,
        sizing: config.functions[name],
        config,
        names,
        source,
        runtimeAccount: identities.functions.get(name)!,
        builder: identities.builder,
        storage,
        secrets,
        dependsOn,
        ...(copilot ? { environment: { KILOWATCH_COPILOT_URL: copilot.uri } } : {}),
        ...(name === 'rollup' || name === 'archive'
          ? { environment: { KILOWATCH_ROLLUP_LATE_HOURS: String(config.retention.lateHours) } }
          : {}),
      });
      built.set(name, fn);
      if (copilot) copilot.allowCaller(name, identities.functions.get(name)!, config);
      if (spec.trigger.kind === 'push') {
        new Delivery(this, `delivery-${name}`, {
          config,
          names,
          pubsub,
          source: spec.trigger.topic,
          functionName: name,
          target: fn,
          timeoutSeconds: config.functions[name].timeoutSeconds,
          pubsubServiceAgent,
          ...(spec.trigger.topic === 'readings' ? { siteTopics: pubsub.siteTopics } : {}),
        });
      }
      new TerraformOutput(this, `url-${name}`, { value: fn.uri, description: `${name} function URL` });
    }

    new Scheduler(this, 'scheduler', { config, names, topics: pubsub.topics, dependsOn });

    const monitoring = new Monitoring(this, 'monitoring', {
      config,
      names,
      deadLetterSubscriptions: pubsub.allDeadLetters.map((d) => d.keepName).sort(),
      functionServices: deployed.map((n) => names.function(n)),
      readingsTopic: names.topic('readings'),
      ...(deployed.includes('ingest') ? { ingestService: names.function('ingest') } : {}),
      dependsOn,
    });

    const pushServices = deployed
      .filter((n) => FUNCTION_CATALOG[n].trigger.kind === 'push')
      .map((n) => names.function(n));
    if (config.monitoring.dropSuccessfulPushRequestLogs && pushServices.length > 0) {
      new LogCosts(this, 'logging', { project, names, pushServices, dependsOn });
    }

    new Budget(this, 'budget', {
      config,
      names,
      projectNumber,
      notificationChannel: monitoring.channel.id,
      provider: billingProvider,
      dependsOn,
    });

    new TerraformOutput(this, 'dataset', { value: names.dataset });
    new TerraformOutput(this, 'site-publishers', {
      value: Object.fromEntries([...identities.sitePublishers].map(([site, sa]) => [site, sa.email])),
      description:
        "Per site, the service account its devices act as; it may only publish to the site's readings topic.",
    });
    new TerraformOutput(this, 'models-bucket', { value: storage.models.name });
  }
}
