import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import type { Names } from '../naming.js';

/**
 * Secret containers only: values are added out of band (`gcloud secrets versions add`), so no secret
 * value ever sits in code, in the synthesized JSON or in Terraform state.
 */
export class Secrets extends Construct {
  readonly apiKeys: SecretManagerSecret;
  /** The notify function's channels (KILOWATCH_WEBHOOKS syntax): webhook URLs carry their own credentials. */
  readonly webhooks: SecretManagerSecret;

  constructor(
    scope: Construct,
    id: string,
    props: { project: string; names: Names; dependsOn: ITerraformDependable[] },
  ) {
    super(scope, id);
    this.apiKeys = new SecretManagerSecret(this, 'api-keys', {
      project: props.project,
      secretId: props.names.secret('api-keys'),
      replication: { auto: {} },
      dependsOn: props.dependsOn,
    });
    this.webhooks = new SecretManagerSecret(this, 'webhooks', {
      project: props.project,
      secretId: props.names.secret('webhooks'),
      replication: { auto: {} },
      dependsOn: props.dependsOn,
    });
  }
}
