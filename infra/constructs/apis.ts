import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';

/** Every Google API kilowatch uses, enabled explicitly so a fresh project deploys in one apply. */
export const REQUIRED_APIS = [
  'run.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'eventarc.googleapis.com',
  'pubsub.googleapis.com',
  'bigquery.googleapis.com',
  'storage.googleapis.com',
  'cloudscheduler.googleapis.com',
  'secretmanager.googleapis.com',
  'aiplatform.googleapis.com',
  'monitoring.googleapis.com',
  'logging.googleapis.com',
  'billingbudgets.googleapis.com',
  'iam.googleapis.com',
  // The google_project data source (project number for the service agents) and keyless device onboarding.
  'cloudresourcemanager.googleapis.com',
  'iamcredentials.googleapis.com',
  'sts.googleapis.com',
] as const;

export class Apis extends Construct {
  /** Resources that call an API depend on these, so a first apply never races API enablement. */
  readonly enabled: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: { project: string }) {
    super(scope, id);
    this.enabled = REQUIRED_APIS.map(
      (service) =>
        new ProjectService(this, service.split('.')[0]!, {
          project: props.project,
          service,
          // Tearing down kilowatch must not switch off APIs other workloads in the project may use.
          disableOnDestroy: false,
          disableDependentServices: false,
        }),
    );
  }
}
