import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member/index.js';
import { BigqueryTableIamMember } from '@cdktf/provider-google/lib/bigquery-table-iam-member/index.js';
import type { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool/index.js';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import type { TopicRole } from '../../shared/config/env.js';
import type { CatalogName, FunctionAccess } from '../config/functions.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Names } from '../naming.js';
import type { Storage } from './storage.js';
import type { Secrets } from './secrets.js';

export interface IdentitiesProps {
  readonly config: EnvironmentConfig;
  readonly names: Names;
  readonly projectNumber: string;
  readonly functions: ReadonlyArray<{ name: CatalogName; access: FunctionAccess }>;
  readonly topics: Record<TopicRole, PubsubTopic>;
  /** Per site, its own readings topic. */
  readonly siteTopics: ReadonlyMap<string, PubsubTopic>;
  readonly dataset: BigqueryDataset;
  /** The copilot_* views' dataset and the warehouse tables, for the copilot's narrower grants. */
  readonly copilotDataset: BigqueryDataset;
  readonly tables: ReadonlyMap<string, BigqueryTable>;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly dependsOn: ITerraformDependable[];
}

const member = (sa: ServiceAccount) => `serviceAccount:${sa.email}`;

/**
 * Who may do what. One service account per function, holding only what its catalog entry asks for, each
 * on the narrowest resource; one device publisher per site, which may publish to its site's topic only;
 * the identity Cloud Build uses to build function sources.
 */
export class Identities extends Construct {
  readonly functions = new Map<CatalogName, ServiceAccount>();
  /** Per site, the identity its devices publish as. */
  readonly sitePublishers = new Map<string, ServiceAccount>();
  readonly builder: ServiceAccount;
  readonly devicePool?: IamWorkloadIdentityPool;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: IdentitiesProps,
  ) {
    super(scope, id);
    const project = props.config.project;

    for (const fn of props.functions) {
      const sa = this.account(`fn-${fn.name}`, fn.name, `Runtime identity of the ${fn.name} function`);
      this.functions.set(fn.name, sa);
      this.grant(fn.name, sa, fn.access);
    }

    this.builder = this.account('builder', 'build', 'Builds function sources (Cloud Build)');
    for (const role of ['roles/logging.logWriter', 'roles/artifactregistry.writer']) {
      new ProjectIamMember(this, `builder-${role.split('/')[1]}`, { project, role, member: member(this.builder) });
    }
    new StorageBucketIamMember(this, 'builder-reads-sources', {
      bucket: props.storage.sources.name,
      role: 'roles/storage.objectViewer',
      member: member(this.builder),
    });

    // Ingest accepts from a site's topic only that site's devices: a publisher of one site cannot write another's data.
    for (const [site, topic] of props.siteTopics) {
      const publisher = this.account(
        `site-${site}`,
        `site-${site}`,
        `Devices of ${site} publish readings; nothing else`,
      );
      new PubsubTopicIamMember(this, `site-${site}-publishes`, {
        project,
        topic: topic.name,
        role: 'roles/pubsub.publisher',
        member: member(publisher),
      });
      this.sitePublishers.set(site, publisher);
    }

    const federation = props.config.deviceFederation;
    if (federation) {
      this.devicePool = new IamWorkloadIdentityPool(this, 'device-pool', {
        project,
        workloadIdentityPoolId: props.names.workloadIdentityPool(),
        displayName: `kilowatch ${props.names.env} devices`,
        description: 'Keyless device identities: tokens from the fleet identity provider.',
        dependsOn: props.dependsOn,
      });
      new IamWorkloadIdentityPoolProvider(this, 'device-pool-oidc', {
        project,
        workloadIdentityPoolId: this.devicePool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: 'fleet-oidc',
        displayName: 'Device fleet OIDC',
        attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.site': federation.siteClaim },
        attributeCondition: federation.attributeCondition,
        oidc: {
          issuerUri: federation.issuerUri,
          ...(federation.allowedAudiences.length > 0 ? { allowedAudiences: federation.allowedAudiences } : {}),
        },
      });
      // A pool identity may act as the publisher of the site its token names, and of no other.
      for (const [site, publisher] of this.sitePublishers) {
        new ServiceAccountIamMember(this, `site-${site}-federated`, {
          serviceAccountId: publisher.name,
          role: 'roles/iam.workloadIdentityUser',
          member: `principalSet://iam.googleapis.com/projects/${props.projectNumber}/locations/global/workloadIdentityPools/${this.devicePool.workloadIdentityPoolId}/attribute.site/${site}`,
        });
      }
    }
  }

  private account(id: string, role: string, displayName: string): ServiceAccount {
    return new ServiceAccount(this, id, {
      project: this.props.config.project,
      accountId: this.props.names.serviceAccount(role),
      displayName: `kilowatch ${this.props.names.env}: ${displayName}`,
      dependsOn: this.props.dependsOn,
    });
  }

  private grant(fn: CatalogName, sa: ServiceAccount, access: FunctionAccess): void {
    const { project } = this.props.config;
    const m = member(sa);
    if (access.dataset) {
      new BigqueryDatasetIamMember(this, `${fn}-dataset`, {
        project,
        datasetId: this.props.dataset.datasetId,
        role: access.dataset === 'editor' ? 'roles/bigquery.dataEditor' : 'roles/bigquery.dataViewer',
        member: m,
      });
    }
    for (const name of access.writeTables ?? []) {
      const table = this.props.tables.get(name);
      if (!table) throw new Error(`function ${fn}: writeTables names ${name}, which is not a warehouse table`);
      new BigqueryTableIamMember(this, `${fn}-writes-${name}`, {
        project,
        datasetId: table.datasetId,
        tableId: table.tableId,
        role: 'roles/bigquery.dataEditor',
        member: m,
      });
    }
    if (access.queries) {
      new ProjectIamMember(this, `${fn}-bigquery-jobs`, { project, role: 'roles/bigquery.jobUser', member: m });
    }
    for (const topic of access.publish ?? []) {
      new PubsubTopicIamMember(this, `${fn}-publish-${topic}`, {
        project,
        topic: this.props.topics[topic].name,
        role: 'roles/pubsub.publisher',
        member: m,
      });
    }
    if (access.models) {
      new StorageBucketIamMember(this, `${fn}-models`, {
        bucket: this.props.storage.models.name,
        role: access.models === 'write' ? 'roles/storage.objectUser' : 'roles/storage.objectViewer',
        member: m,
      });
    }
    if (access.modelHealth) {
      new StorageBucketIamMember(this, `${fn}-model-health`, {
        bucket: this.props.storage.models.name,
        role: 'roles/storage.objectUser',
        member: m,
        // Health marks only: the models themselves stay read-only to this identity.
        condition: { title: 'health-marks-only', expression: 'resource.name.endsWith("/health.json")' },
      });
    }
    if (access.archive) {
      new StorageBucketIamMember(this, `${fn}-archive`, {
        bucket: this.props.storage.archive.name,
        role: 'roles/storage.objectCreator',
        member: m,
      });
    }
    if (access.archiveRead) {
      new StorageBucketIamMember(this, `${fn}-archive-read`, {
        bucket: this.props.storage.archive.name,
        role: 'roles/storage.objectViewer',
        member: m,
      });
    }
    if (access.apiKeys) {
      new SecretManagerSecretIamMember(this, `${fn}-api-keys`, {
        project,
        secretId: this.props.secrets.apiKeys.secretId,
        role: 'roles/secretmanager.secretAccessor',
        member: m,
      });
    }
    if (access.webhooks) {
      new SecretManagerSecretIamMember(this, `${fn}-webhooks`, {
        project,
        secretId: this.props.secrets.webhooks.secretId,
        role: 'roles/secretmanager.secretAccessor',
        member: m,
      });
    }
    if (access.vertex) {
      new ProjectIamMember(this, `${fn}-vertex`, { project, role: 'roles/aiplatform.user', member: m });
    }
    if (access.copilotViews) {
      new BigqueryDatasetIamMember(this, `${fn}-copilot-views`, {
        project,
        datasetId: this.props.copilotDataset.datasetId,
        role: 'roles/bigquery.dataViewer',
        member: m,
      });
    }
  }
}
