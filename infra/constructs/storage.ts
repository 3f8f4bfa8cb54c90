import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { StorageBucket, type StorageBucketConfig } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { Names } from '../naming.js';

export interface StorageProps {
  readonly project: string;
  readonly location: string;
  readonly names: Names;
  readonly destroyData: boolean;
  readonly archive: {
    readonly nearlineAfterDays: number;
    readonly coldlineAfterDays: number;
    readonly archiveAfterDays: number;
  };
  readonly dependsOn: ITerraformDependable[];
}

/** Buckets: private by construction (uniform access, public access prevention enforced), names global. */
export class Storage extends Construct {
  readonly models: StorageBucket;
  readonly archive: StorageBucket;
  readonly sources: StorageBucket;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: StorageProps,
  ) {
    super(scope, id);
    // Every model version is kept: the registry's champion pointer may roll back to any of them.
    this.models = this.bucket('models', { versioning: { enabled: true } });

    const a = props.archive;
    const toClass = (storageClass: string, age: number, from: string[]) => ({
      action: { type: 'SetStorageClass', storageClass },
      condition: { age, matchesStorageClass: from },
    });
    this.archive = this.bucket('archive', {
      lifecycleRule: [
        toClass('NEARLINE', a.nearlineAfterDays, ['STANDARD']),
        toClass('COLDLINE', a.coldlineAfterDays, ['STANDARD', 'NEARLINE']),
        toClass('ARCHIVE', a.archiveAfterDays, ['STANDARD', 'NEARLINE', 'COLDLINE']),
      ],
    });

    // Zipped build output per function; Cloud Build reads it once per deploy.
    this.sources = this.bucket('sources', {});
  }

  private bucket(purpose: string, extra: Partial<StorageBucketConfig>): StorageBucket {
    return new StorageBucket(this, purpose, {
      project: this.props.project,
      name: this.props.names.bucket(purpose),
      location: this.props.location,
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: this.props.destroyData,
      dependsOn: this.props.dependsOn,
      ...extra,
    });
  }
}
