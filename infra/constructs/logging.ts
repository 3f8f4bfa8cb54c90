import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { LoggingProjectExclusion } from '@cdktf/provider-google/lib/logging-project-exclusion/index.js';
import type { Names } from '../naming.js';

/**
 * Cloud Run writes one request log entry per push delivery; at 10,000 devices that is most of the logging
 * bill (docs/cost.md). Successful deliveries carry nothing the request_count metric does not: drop them
 * before ingestion, keep every 4xx/5xx. Metrics and the alert policies are unaffected.
 */
export class LogCosts extends Construct {
  readonly exclusion: LoggingProjectExclusion;

  constructor(
    scope: Construct,
    id: string,
    props: { project: string; names: Names; pushServices: string[]; dependsOn: ITerraformDependable[] },
  ) {
    super(scope, id);
    const services = props.pushServices.map((s) => `"${s}"`).join(' OR ');
    this.exclusion = new LoggingProjectExclusion(this, 'push-ok-requests', {
      project: props.project,
      name: `kilowatch-push-ok-requests-${props.names.env}`,
      description: 'Successful Pub/Sub push deliveries to kilowatch functions (failures are kept).',
      filter:
        'resource.type = "cloud_run_revision" AND log_id("run.googleapis.com/requests") AND ' +
        `resource.labels.service_name = (${services}) AND httpRequest.status < 400`,
      dependsOn: props.dependsOn,
    });
  }
}
