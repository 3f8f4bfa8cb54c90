import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel/index.js';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Names } from '../naming.js';

export interface MonitoringProps {
  readonly config: EnvironmentConfig;
  readonly names: Names;
  /** Pull subscriptions keeping dead letters: any message there is a reading (or tick) that failed. */
  readonly deadLetterSubscriptions: string[];
  /** Cloud Run service names of the deployed functions. */
  readonly functionServices: string[];
  readonly readingsTopic: string;
  /** Cloud Run service name of ingest, when deployed. */
  readonly ingestService?: string;
  readonly dependsOn: ITerraformDependable[];
}

const anyOf = (values: string[]) =>
  `monitoring.regex.full_match("${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}")`;

/** Alerts an operator acts on: lost work (dead letters), failing functions, a plant gone quiet. */
export class Monitoring extends Construct {
  readonly channel: MonitoringNotificationChannel;
  readonly policies: MonitoringAlertPolicy[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, names } = props;
    const project = config.project;

    this.channel = new MonitoringNotificationChannel(this, 'email', {
      project,
      displayName: names.display('operators (email)'),
      type: 'email',
      labels: { email_address: config.monitoring.notificationEmail },
      dependsOn: props.dependsOn,
    });
    const notify = { project, notificationChannels: [this.channel.id], dependsOn: props.dependsOn };

    this.policies.push(
      new MonitoringAlertPolicy(this, 'dead-letters', {
        ...notify,
        displayName: names.display('dead letters waiting'),
        combiner: 'OR',
        severity: 'ERROR',
        documentation: {
          mimeType: 'text/markdown',
          content:
            'Messages failed every delivery attempt and were moved to a dead-letter topic. Inspect them with ' +
            '`gcloud pubsub subscriptions pull <subscription> --limit 10` (see docs/deploy.md), fix the cause, replay.',
        },
        conditions: [
          {
            displayName: 'dead-letter subscription backlog > 0',
            conditionThreshold: {
              filter:
                'resource.type = "pubsub_subscription" AND ' +
                'metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages" AND ' +
                `resource.labels.subscription_id = ${anyOf(props.deadLetterSubscriptions)}`,
              comparison: 'COMPARISON_GT',
              thresholdValue: 0,
              duration: '0s',
              aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_MAX' }],
              trigger: { count: 1 },
            },
          },
        ],
      }),
    );

    const requests = (extra: string) =>
      'resource.type = "cloud_run_revision" AND metric.type = "run.googleapis.com/request_count" AND ' +
      `resource.labels.service_name = ${anyOf(props.functionServices)}${extra}`;
    const perService = [
      {
        alignmentPeriod: '300s',
        perSeriesAligner: 'ALIGN_DELTA',
        crossSeriesReducer: 'REDUCE_SUM',
        groupByFields: ['resource.labels.service_name'],
      },
    ];
    this.policies.push(
      new MonitoringAlertPolicy(this, 'function-errors', {
        ...notify,
        displayName: names.display('function error rate'),
        combiner: 'OR',
        severity: 'ERROR',
        documentation: {
          mimeType: 'text/markdown',
          content: 'A function answers 5xx to a share of requests above the threshold; Pub/Sub is retrying them.',
        },
        conditions: [
          {
            displayName: `5xx ratio > ${config.monitoring.errorRateThreshold} over 5 min`,
            conditionThreshold: {
              filter: requests(' AND metric.labels.response_code_class = "5xx"'),
              denominatorFilter: requests(''),
              aggregations: perService,
              denominatorAggregations: perService,
              comparison: 'COMPARISON_GT',
              thresholdValue: config.monitoring.errorRateThreshold,
              duration: '300s',
              trigger: { count: 1 },
            },
          },
        ],
      }),
    );

    const silence = `${config.monitoring.ingestSilenceMinutes * 60}s`;
    const silenceConditions = [
      {
        displayName: `no reading published to ${props.readingsTopic} for ${config.monitoring.ingestSilenceMinutes} min`,
        conditionAbsent: {
          filter:
            'resource.type = "pubsub_topic" AND metric.type = "pubsub.googleapis.com/topic/send_request_count" AND ' +
            `resource.labels.topic_id = "${props.readingsTopic}"`,
          duration: silence,
          aggregations: [
            { alignmentPeriod: '300s', perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM' },
          ],
          trigger: { count: 1 },
        },
      },
    ];
    if (props.ingestService) {
      silenceConditions.push({
        displayName: `no request reached ${props.ingestService} for ${config.monitoring.ingestSilenceMinutes} min`,
        conditionAbsent: {
          filter:
            'resource.type = "cloud_run_revision" AND metric.type = "run.googleapis.com/request_count" AND ' +
            `resource.labels.service_name = "${props.ingestService}"`,
          duration: silence,
          aggregations: [
            { alignmentPeriod: '300s', perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM' },
          ],
          trigger: { count: 1 },
        },
      });
    }
    this.policies.push(
      new MonitoringAlertPolicy(this, 'ingest-silence', {
        ...notify,
        displayName: names.display('ingest silence'),
        combiner: 'OR',
        severity: 'WARNING',
        documentation: {
          mimeType: 'text/markdown',
          content:
            'No readings are arriving: devices, their network or credentials, or the push subscription to ingest.',
        },
        conditions: silenceConditions,
      }),
    );
  }
}
