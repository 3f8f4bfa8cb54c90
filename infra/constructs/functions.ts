import { Construct } from 'constructs';
import { AssetType, TerraformAsset, type ITerraformDependable } from 'cdktf';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { CatalogName, FunctionSpec } from '../config/functions.js';
import type { EnvironmentConfig, FunctionSizing } from '../config/schema.js';
import type { FunctionSource } from '../sources.js';
import type { Names } from '../naming.js';
import type { Storage } from './storage.js';
import type { Secrets } from './secrets.js';

export const RUNTIME = 'nodejs22';

/**
 * Cloud Build's `npm install` (the npm 10 that ships with Node 22, which ignores package.json allowScripts) would
 * run onnxruntime-node's install script, which fetches the CUDA execution provider (hundreds of MB) on
 * linux/x64. The script reads this variable; the functions run on CPU.
 */
export const BUILD_ENVIRONMENT = { ONNXRUNTIME_NODE_INSTALL: 'skip' } as const;

export interface KilowatchFunctionProps {
  readonly name: CatalogName;
  readonly spec: FunctionSpec;
  readonly sizing: FunctionSizing;
  readonly config: EnvironmentConfig;
  readonly names: Names;
  readonly source: FunctionSource;
  readonly runtimeAccount: ServiceAccount;
  readonly builder: ServiceAccount;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly dependsOn: ITerraformDependable[];
  /** Variables that name other resources of the stack (the copilot's URL for the api). */
  readonly environment?: Record<string, string>;
}

/**
 * One Cloud Run function (2nd gen): zipped build output in the sources bucket, its own identity, sizing
 * from config. No event_trigger: delivery is an explicit push subscription (see Delivery) so that it can
 * carry a dead-letter policy.
 */
export class KilowatchFunction extends Construct {
  readonly fn: Cloudfunctions2Function;

  constructor(scope: Construct, id: string, props: KilowatchFunctionProps) {
    super(scope, id);
    const { name, spec, sizing, config, names, storage } = props;

    const asset = new TerraformAsset(this, 'source', {
      path: props.source.dir,
      type: AssetType.ARCHIVE,
      assetHash: props.source.hash,
    });
    const object = new StorageBucketObject(this, 'source-object', {
      bucket: storage.sources.name,
      name: `functions/${name}/${props.source.hash}.zip`,
      source: asset.path,
    });

    this.fn = new Cloudfunctions2Function(this, 'function', {
      project: config.project,
      location: config.region,
      name: names.function(name),
      description: spec.description,
      buildConfig: {
        runtime: RUNTIME,
        // The function registers itself under its folder name with the functions framework.
        entryPoint: name,
        source: { storageSource: { bucket: storage.sources.name, object: object.name } },
        serviceAccount: props.builder.id,
        environmentVariables: { ...BUILD_ENVIRONMENT },
      },
      serviceConfig: {
        availableMemory: sizing.memory,
        availableCpu: sizing.cpu,
        maxInstanceRequestConcurrency: sizing.concurrency,
        minInstanceCount: sizing.minInstances,
        maxInstanceCount: sizing.maxInstances,
        timeoutSeconds: sizing.timeoutSeconds,
        serviceAccountEmail: props.runtimeAccount.email,
        // Pub/Sub push from the same project counts as internal traffic; only HTTP endpoints face the internet.
        // Behind IAP, only the load balancer (and internal callers) may reach an HTTP function.
        ingressSettings:
          spec.trigger.kind === 'http' ? (sizing.iap ? 'ALLOW_INTERNAL_AND_GCLB' : 'ALLOW_ALL') : 'ALLOW_INTERNAL_ONLY',
        allTrafficOnLatestRevision: true,
        environmentVariables: {
          ...functionEnvironment(props),
          ...props.environment,
          ...(sizing.iap ? { KILOWATCH_API_TRUST_IAP: 'true' } : {}),
          ...(copilotTrustsIap(name, config, sizing) ? { KILOWATCH_COPILOT_TRUST_IAP: 'true' } : {}),
        },
        // The secret's value reaches the function as a variable at start; it never sits in config or state.
        ...(spec.access.webhooks
          ? {
              secretEnvironmentVariables: [
                {
                  key: 'KILOWATCH_WEBHOOKS',
                  projectId: config.project,
                  secret: props.secrets.webhooks.secretId,
                  version: 'latest',
                },
              ],
            }
          : {}),
      },
      dependsOn: props.dependsOn,
    });

    if (spec.singleInstance && sizing.maxInstances > 1) {
      throw new Error(
        `functions.${name}.maxInstances: ${name} keeps its state in the instance, so it runs as one (set maxInstances to 1)`,
      );
    }
    if (spec.trigger.kind !== 'http' && (sizing.invokers.length > 0 || sizing.iap)) {
      throw new Error(`functions.${name}: invokers and iap apply to HTTP functions only, ${name} is push-delivered`);
    }
    // Callers of a private HTTP function: run.invoker for each configured group or account, nobody else.
    sizing.invokers.forEach((member, i) => {
      new CloudRunV2ServiceIamMember(this, `invoker-${i}`, {
        project: config.project,
        location: config.region,
        name: this.fn.name,
        role: 'roles/run.invoker',
        member,
      });
    });
    if (sizing.public) {
      if (spec.trigger.kind !== 'http') {
        throw new Error(`functions.${name}.public: only HTTP functions can be public, ${name} is push-delivered`);
      }
      // Deliberate, config-driven exception to "nothing is public": see infra/config/<env>.ts.
      new CloudRunV2ServiceIamMember(this, 'public-invoker', {
        project: config.project,
        location: config.region,
        name: this.fn.name,
        role: 'roles/run.invoker',
        member: 'allUsers',
      });
    }
  }

  /** The Cloud Run service URL (run.app): the push endpoint and OIDC audience. */
  get uri(): string {
    return this.fn.serviceConfig.uri;
  }

  /** Lets another function's runtime account call this one (a private HTTP function) with its ID token. */
  allowCaller(caller: CatalogName, account: ServiceAccount, config: EnvironmentConfig): void {
    new CloudRunV2ServiceIamMember(this, `caller-${caller}`, {
      project: config.project,
      location: config.region,
      name: this.fn.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${account.email}`,
    });
  }
}

/**
 * The copilot takes the asker from the identity header only when the api behind IAP is its one caller: the api
 * forwards IAP's header and nothing else may invoke the copilot (no extra invokers, not public).
 */
function copilotTrustsIap(name: string, config: EnvironmentConfig, sizing: FunctionSizing): boolean {
  return name === 'copilot' && config.functions.api.iap && !sizing.public && sizing.invokers.length === 0;
}

/** Runtime configuration, validated by shared/config/env.ts's configSchema in the function. */
export function functionEnvironment(props: KilowatchFunctionProps): Record<string, string> {
  const { config, names, spec, secrets } = props;
  const vars: Record<string, string> = {
    KILOWATCH_BACKEND: 'gcp',
    GOOGLE_CLOUD_PROJECT: config.project,
    KILOWATCH_ENV: config.env,
    KILOWATCH_BQ_DATASET: names.dataset,
    KILOWATCH_BQ_LOCATION: config.location,
    // A larger young generation: ingest and score allocate per value, and scavenges were a tenth of their CPU.
    NODE_OPTIONS: '--max-semi-space-size=32',
  };
  // Literal names, not the resources' tokens: the function's config schema validates them as bucket names.
  if (spec.access.models) vars.KILOWATCH_MODELS_BUCKET = names.bucket('models');
  if (spec.access.archive) vars.KILOWATCH_ARCHIVE_BUCKET = names.bucket('archive');
  if (spec.access.apiKeys) vars.KILOWATCH_API_KEYS_SECRET = secrets.apiKeys.id;
  if (spec.access.vertex) {
    // Gemini on Vertex AI under the function's own identity (workload identity): no API key anywhere.
    vars.KILOWATCH_LLM = 'vertex';
    vars.KILOWATCH_LLM_MODEL = config.copilotModel;
    vars.KILOWATCH_COPILOT_DATASET = names.copilotDataset;
  }
  return vars;
}
