import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Names } from '../naming.js';

/** Publishes the forecast tick; the forecast function's push subscription does the rest. */
export class Scheduler extends Construct {
  readonly forecastTick: CloudSchedulerJob;
  readonly alertsSweep: CloudSchedulerJob;
  readonly maintenanceTick: CloudSchedulerJob;

  constructor(
    scope: Construct,
    id: string,
    props: {
      config: EnvironmentConfig;
      names: Names;
      topic: PubsubTopic;
      alertsTopic: PubsubTopic;
      maintenanceTopic: PubsubTopic;
      dependsOn: ITerraformDependable[];
    },
  ) {
    super(scope, id);
    const body = JSON.stringify({ kind: 'forecast-tick', env: props.config.env });
    this.forecastTick = new CloudSchedulerJob(this, 'forecast-tick', {
      project: props.config.project,
      region: props.config.region,
      name: props.names.schedulerJob('forecast-tick'),
      description: 'Asks the forecast function to refresh forecasts.',
      schedule: props.config.forecastSchedule,
      timeZone: 'Etc/UTC',
      pubsubTarget: {
        topicName: props.topic.id,
        // Pub/Sub push needs a non-empty body for the functions framework to accept the event.
        data: Buffer.from(body).toString('base64'),
        attributes: { kind: 'forecast-tick' },
      },
      retryConfig: { retryCount: 3 },
      dependsOn: props.dependsOn,
    });
    // The notify function's sweep: auto-resolution of incidents and retries of owed notifications.
    this.alertsSweep = new CloudSchedulerJob(this, 'alerts-sweep', {
      project: props.config.project,
      region: props.config.region,
      name: props.names.schedulerJob('alerts-sweep'),
      description: 'Asks the notify function to resolve incidents back to normal and retry owed notifications.',
      schedule: props.config.alertsSweepSchedule,
      timeZone: 'Etc/UTC',
      pubsubTarget: {
        topicName: props.alertsTopic.id,
        data: Buffer.from(JSON.stringify({ command: 'sweep' })).toString('base64'),
        attributes: { kind: 'sweep' },
      },
      retryConfig: { retryCount: 3 },
      dependsOn: props.dependsOn,
    });
    this.maintenanceTick = new CloudSchedulerJob(this, 'maintenance-tick', {
      project: props.config.project,
      region: props.config.region,
      name: props.names.schedulerJob('maintenance-tick'),
      description: 'Asks the recommend function for the daily maintenance recommendations.',
      schedule: props.config.maintenanceSchedule,
      timeZone: 'Etc/UTC',
      pubsubTarget: {
        topicName: props.maintenanceTopic.id,
        data: Buffer.from(JSON.stringify({ kind: 'maintenance-tick' })).toString('base64'),
        attributes: { kind: 'maintenance-tick' },
      },
      retryConfig: { retryCount: 3 },
      dependsOn: props.dependsOn,
    });
  }
}
